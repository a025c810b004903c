// What a run's quality report takes from the configuration: the footer's version, configuration
// hash and database, the zone its times are written in, and the pseudonym key of the clinics.
import { configHash } from '../config/hash.ts';
import type { PipelineConfig } from '../config/load.ts';
import { readCampaignBlock } from '../quality/reports/campaign/settings.ts';
import type { ReportOptions } from '../quality/reports/run/write.ts';
import { fangstVersion } from './version.ts';

export async function reportSettings(config: PipelineConfig, database = config.database): Promise<Pick<ReportOptions, 'about' | 'pseudonymKeyFile'>> {
  return {
    about: { fangstVersion: fangstVersion(), configHash: await configHash(config), database, timeZone: config.timeZone },
    // the campaign's key: a clinic has the same pseudonym in both shareable reports
    pseudonymKeyFile: readCampaignBlock(config.file, config.raw).pseudonymKeyFile,
  };
}
