import { Module } from '@nestjs/common';
import { BotDefenceService } from './bot-defence.service';

/** The API's gate against bots (Redis and the config come from their global modules). */
@Module({ providers: [BotDefenceService], exports: [BotDefenceService] })
export class BotDefenceModule {}
