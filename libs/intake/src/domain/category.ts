import { Static } from '@sinclair/typebox';
import { Tier } from '@duban/contracts';

export type Tier = Static<typeof Tier>;

export interface Category {
  code: string;
  nameZh: string;
  nameEn: string;
  tier: Tier;
}

/**
 * The categories of the first schema migration (kept as it was: migrations
 * never change). The full taxonomy is seed data (src/seed/categories.json),
 * which updates these rows on start.
 */
export const STARTER_CATEGORIES: readonly Category[] = [
  { code: 'water.leak', nameZh: '供水管道漏水', nameEn: 'Water main leak', tier: 'immediate' },
  { code: 'water.no-supply', nameZh: '停水', nameEn: 'No water supply', tier: 'immediate' },
  { code: 'housing.repair', nameZh: '住房维修', nameEn: 'Housing repair', tier: 'general' },
  { code: 'housing.property-dispute', nameZh: '物业纠纷', nameEn: 'Property management dispute', tier: 'complex' },
  { code: 'transport.signal-fault', nameZh: '交通信号灯故障', nameEn: 'Traffic signal fault', tier: 'immediate' },
  { code: 'transport.road-damage', nameZh: '道路破损', nameEn: 'Road surface damage', tier: 'general' },
  { code: 'environment.noise', nameZh: '噪声扰民', nameEn: 'Noise nuisance', tier: 'general' },
  { code: 'environment.pollution', nameZh: '环境污染', nameEn: 'Pollution', tier: 'complex' },
  { code: 'urban.illegal-construction', nameZh: '违章搭建', nameEn: 'Illegal construction', tier: 'complex' },
  { code: 'urban.street-cleaning', nameZh: '街道保洁', nameEn: 'Street cleaning', tier: 'general' },
  { code: 'parks.tree-hazard', nameZh: '树木倒伏隐患', nameEn: 'Hazardous tree', tier: 'immediate' },
  { code: 'public-works.streetlight', nameZh: '路灯故障', nameEn: 'Streetlight out', tier: 'general' },
];
