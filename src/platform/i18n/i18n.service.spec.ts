import { I18nService } from './i18n.service.js';

describe('I18nService', () => {
  const i18n = new I18nService();

  it('has the same keys in the French and English catalogs', () => {
    expect(i18n.keys('en').sort()).toEqual(i18n.keys('fr').sort());
  });

  it('has no empty string in either catalog', () => {
    for (const locale of ['fr', 'en'] as const) {
      for (const key of i18n.keys(locale)) expect(i18n.t(locale, key).trim()).not.toBe('');
    }
  });

  it('fills in named values', () => {
    expect(i18n.t('fr', 'common.portalName', { municipality: 'Val-des-Cèdres' })).toBe(
      'Guichet – Ville de Val-des-Cèdres',
    );
    expect(i18n.t('en', 'common.portalName', { municipality: 'Val-des-Cèdres' })).toBe(
      'Guichet – City of Val-des-Cèdres',
    );
  });

  it('picks the language: the remembered choice, then Accept-Language, then French', () => {
    expect(I18nService.resolve('en', 'fr-CA')).toBe('en');
    expect(I18nService.resolve(undefined, 'en-CA,en;q=0.9,fr;q=0.5')).toBe('en');
    expect(I18nService.resolve(undefined, 'de-DE, fr;q=0.4, en;q=0.6')).toBe('en');
    expect(I18nService.resolve(undefined, 'de-DE,es;q=0.8')).toBe('fr');
    expect(I18nService.resolve('xx', undefined)).toBe('fr');
    expect(I18nService.resolve(undefined, 'en;q=0, fr;q=0.1')).toBe('fr');
  });
});
