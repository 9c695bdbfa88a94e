import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { signToken } from '@flash/auth';
import { ApiError, ErrorCode, compileValidator } from '@flash/http';
import { DevTokenBody, devTokenSchema } from '../api-schemas';
import { ApiAnswer, ApiErrors, EXAMPLES } from '../api-responses';

const validate = compileValidator<DevTokenBody>(devTokenSchema);
const TOKEN_TTL_SECONDS = 24 * 3600;

@ApiTags('auth')
@Controller('auth')
export class DevTokenController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Post('dev-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mint a token for local runs (only where DEV_TOKENS=true)' })
  @ApiBody({ schema: devTokenSchema as object })
  @ApiAnswer(200, 'DevToken', EXAMPLES.devToken, 'a token valid for 24 hours')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a bad sub or role, or an unknown field'],
    [404, [ErrorCode.NotFound], 'dev tokens are disabled (DEV_TOKENS=false)'],
  )
  issue(@Body() body: unknown): { token: string } {
    if (!this.config.devTokens) throw ApiError.notFound('dev tokens are disabled');
    const { sub, role } = validate(body);
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub,
      iat: now,
      exp: now + TOKEN_TTL_SECONDS,
      ...(role === 'admin' ? { role } : {}),
    };
    return { token: signToken(claims, this.config.jwtSecret) };
  }
}
