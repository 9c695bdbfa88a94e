import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  applyDecorators,
  createParamDecorator,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { ApiError } from '@flash/http';
import { Principal, Role } from './jwt';
import { TokenCache } from './token-cache';

const ROLE_KEY = 'flash:role';

type AuthedRequest = FastifyRequest & { principal?: Principal };

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: TokenCache;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.tokens = new TokenCache(config.jwtSecret, undefined, config.jwtMaxLifetimeSeconds);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    if (!header || !header.startsWith('Bearer '))
      throw ApiError.unauthorized('missing bearer token');
    const result = this.tokens.verify(header.slice(7).trim());
    if (!result.ok) throw ApiError.unauthorized(result.reason);
    const required = this.reflector.get<Role | undefined>(ROLE_KEY, context.getHandler());
    if (required === 'admin' && result.principal.role !== 'admin') {
      throw ApiError.forbidden('admin role required');
    }
    request.principal = result.principal;
    return true;
  }
}

/** Any valid token (buyer or admin). */
export const Authenticated = () =>
  applyDecorators(SetMetadata(ROLE_KEY, 'buyer'), UseGuards(AuthGuard));

/** A valid token with `role: "admin"`. */
export const AdminOnly = () =>
  applyDecorators(SetMetadata(ROLE_KEY, 'admin'), UseGuards(AuthGuard));

/** The principal the guard attached to the request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => {
    const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
    if (!principal) throw ApiError.unauthorized();
    return principal;
  },
);
