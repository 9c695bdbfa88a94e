import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { createDataSource } from './data-source';

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Provides the initialised TypeORM DataSource under its own class as the token. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(applicationName: string) {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DataSource,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) =>
            createDataSource(config, applicationName).initialize(),
        },
        DataSourceCloser,
      ],
      exports: [DataSource],
    };
  }
}
