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
import { DomainError } from '@flash/errors';
import { HostAllowList } from '@flash/http';
import { Principal, Role } from './jwt';
import { TokenCache } from './token-cache';

const ROLE_KEY = 'flash:role';
export const HOST_REFUSED = 'this Host is not allowed while DEV_TOKENS is on (ALLOWED_HOSTS)';

type AuthedRequest = FastifyRequest & { principal?: Principal };

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: TokenCache;
  /** While DEV_TOKENS mints admin tokens for anyone, admin routes answer to the install's own Host only. */
  private readonly hosts: HostAllowList | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.tokens = new TokenCache(config.jwtSecret, undefined, config.jwtMaxLifetimeSeconds);
    this.hosts = config.devTokens ? new HostAllowList(config.allowedHosts) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    if (!header || !header.startsWith('Bearer '))
      throw new DomainError('unauthorized', 'missing bearer token');
    const result = this.tokens.verify(header.slice(7).trim());
    if (!result.ok) throw new DomainError('unauthorized', result.reason);
    const required = this.requiredRole(context.getHandler());
    if (required === 'admin' && result.principal.role !== 'admin') {
      throw new DomainError('forbidden', 'admin role required');
    }
    if (required === 'admin' && this.hosts && !this.hosts.allows(request.headers.host)) {
      throw new DomainError('forbidden', HOST_REFUSED);
    }
    request.principal = result.principal;
    return true;
  }

  /** A route's role never changes: read its metadata once, not on every request. */
  private readonly roles = new WeakMap<object, Role | undefined>();

  private requiredRole(handler: object): Role | undefined {
    if (!this.roles.has(handler)) {
      this.roles.set(handler, this.reflector.get<Role | undefined>(ROLE_KEY, handler as never));
    }
    return this.roles.get(handler);
  }
}

/** Any valid token (buyer or admin). */
export const Authenticated = () =>
  applyDecorators(SetMetadata(ROLE_KEY, 'buyer'), UseGuards(AuthGuard));

/** A valid token with `role: "admin"`. */
export const AdminOnly = () =>
  applyDecorators(SetMetadata(ROLE_KEY, 'admin'), UseGuards(AuthGuard));

/** The principal the guard attached to the request. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = (request as AuthedRequest).principal;
  if (!principal) throw new DomainError('unauthorized', 'missing or invalid token');
  return principal;
}

/** The principal the guard attached to the request, as a handler parameter. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
