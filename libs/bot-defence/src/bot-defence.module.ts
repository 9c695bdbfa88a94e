import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { BotDefenceService } from './bot-defence.service';
import { HUMAN_CHECK, HumanCheck } from './human-check';
import { TurnstileCheck } from './turnstile-check';

/** The configured external human check, or null (HUMAN_CHECK=none). */
function humanCheckOf(config: AppConfig): HumanCheck | null {
  const settings = config.humanCheck;
  return settings.provider === 'turnstile' ? new TurnstileCheck(settings) : null;
}

/** The API's gate against bots (Redis and the config come from their global modules). */
@Module({
  providers: [
    BotDefenceService,
    { provide: HUMAN_CHECK, useFactory: humanCheckOf, inject: [APP_CONFIG] },
  ],
  exports: [BotDefenceService],
})
export class BotDefenceModule {}
