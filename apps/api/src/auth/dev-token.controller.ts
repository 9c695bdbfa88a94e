import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { HOST_REFUSED, signToken } from '@flash/auth';
import { ApiError, ErrorCode, HostAllowList, compileValidator } from '@flash/http';
import { DevTokenBody, devTokenSchema } from '../api-schemas';
import { ApiAnswer, ApiErrors, EXAMPLES } from '../api-responses';

const validate = compileValidator<DevTokenBody>(devTokenSchema);
/** A day, or the most this install lets a token live (JWT_MAX_LIFETIME_SECONDS). */
const TOKEN_TTL_SECONDS = 24 * 3600;

@ApiTags('auth')
@Controller('auth')
export class DevTokenController {
  /** A page elsewhere may reach 127.0.0.1 under its own name (DNS rebinding): mint for ours only. */
  private readonly hosts: HostAllowList;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.hosts = new HostAllowList(config.allowedHosts);
  }

  @Post('dev-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mint a token for local runs (only where DEV_TOKENS=true)' })
  @ApiBody({ schema: devTokenSchema as object })
  @ApiAnswer(
    200,
    'DevToken',
    EXAMPLES.devToken,
    'a token valid for 24 hours (or JWT_MAX_LIFETIME_SECONDS, if shorter)',
  )
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a bad sub or role, or an unknown field'],
    [403, [ErrorCode.Forbidden], 'a Host that is not loopback, localhost or in ALLOWED_HOSTS'],
    [404, [ErrorCode.NotFound], 'dev tokens are disabled (DEV_TOKENS=false)'],
  )
  issue(@Body() body: unknown, @Headers('host') host?: string): { token: string } {
    if (!this.config.devTokens) throw ApiError.notFound('dev tokens are disabled');
    if (!this.hosts.allows(host)) throw ApiError.forbidden(HOST_REFUSED);
    const { sub, role } = validate(body);
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub,
      iat: now,
      exp: now + Math.min(TOKEN_TTL_SECONDS, this.config.jwtMaxLifetimeSeconds),
      ...(role === 'admin' ? { role } : {}),
    };
    return { token: signToken(claims, this.config.jwtSecret) };
  }
}
