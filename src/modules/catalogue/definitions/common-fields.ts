import type { FieldDefinition, PatternRule, StepDefinition, TextField } from '../form-schema.js';
import type { Localized } from '../service-definition.js';

/** A Régie du bâtiment du Québec licence: 1234-5678-01. */
export const RBQ_LICENCE: PatternRule = {
  regex: '^\\d{4}-?\\d{4}-?\\d{2}$',
  message: {
    fr: 'Le numéro de licence RBQ compte 10 chiffres, par exemple 5678-1234-01',
    en: 'An RBQ licence number has 10 digits, for example 5678-1234-01',
  },
};

/** The intro of every step that asks for files: what the portal accepts. */
export const FILES_INTRO: Localized = {
  fr: 'Fichiers PDF, JPEG ou PNG, 10 Mo au plus chacun.',
  en: 'PDF, JPEG or PNG files, 10 MB at most each.',
};

/** The name and RBQ licence of whoever does the work, shown when `showIf` holds. */
export function licensedWorker(
  prefix: string,
  labels: { name: Localized; licence: Localized },
  showIf: FieldDefinition['showIf'],
): TextField[] {
  return [
    { name: `${prefix}Name`, type: 'text', label: labels.name, showIf },
    {
      name: `${prefix}Rbq`,
      type: 'text',
      width: '10',
      pattern: RBQ_LICENCE,
      label: labels.licence,
      hint: { fr: 'Par exemple 5678-1234-01', en: 'For example 5678-1234-01' },
      showIf,
    },
  ];
}

/** A lot of the Cadastre du Québec: seven digits, often written 1 234 567. */
export function lotNumber(name: string): TextField {
  return {
    name,
    type: 'text',
    width: '10',
    label: { fr: 'Numéro de lot', en: 'Lot number' },
    hint: {
      fr: 'Sept chiffres, inscrits sur votre compte de taxes, par exemple 1 234 567',
      en: 'Seven digits, shown on your tax bill, for example 1 234 567',
    },
    pattern: {
      regex: '^\\d{1}\\s?\\d{3}\\s?\\d{3}$',
      message: {
        fr: 'Le numéro de lot compte sept chiffres, par exemple 1 234 567',
        en: 'A lot number has seven digits, for example 1 234 567',
      },
    },
  };
}

/**
 * The business variant's first step: the SME, prefilled from its record, and
 * the contractor licence it holds, if any.
 */
export const businessStep: StepDefinition = {
  slug: 'business',
  only: 'business',
  title: { fr: 'Votre entreprise', en: 'Your business' },
  intro: {
    fr: 'Ces renseignements viennent du dossier de votre entreprise. Corrigez-les s’ils ont changé.',
    en: 'These details come from your business’s record. Correct them if they have changed.',
  },
  fields: [
    {
      name: 'businessName',
      type: 'text',
      prefill: 'organization.legalName',
      label: { fr: 'Nom légal de l’entreprise', en: 'Legal name of the business' },
    },
    {
      name: 'businessNeq',
      type: 'text',
      width: '10',
      prefill: 'organization.neq',
      label: { fr: 'Numéro d’entreprise du Québec (NEQ)', en: 'Québec enterprise number (NEQ)' },
      pattern: {
        regex: '^\\d{10}$',
        message: {
          fr: 'Le NEQ compte 10 chiffres, par exemple 1171234567',
          en: 'An NEQ has 10 digits, for example 1171234567',
        },
      },
    },
    {
      name: 'businessAddress',
      type: 'address',
      prefill: 'organization.address',
      label: { fr: 'Adresse de l’entreprise', en: 'Address of the business' },
    },
    {
      name: 'businessRbq',
      type: 'text',
      width: '10',
      optional: true,
      pattern: RBQ_LICENCE,
      label: {
        fr: 'Licence RBQ de l’entreprise',
        en: 'The business’s RBQ licence',
      },
      hint: {
        fr: 'Si votre entreprise est elle-même l’entrepreneur.',
        en: 'If your business is itself the contractor.',
      },
    },
  ],
};

/** The last step of every form: who the city contacts about the application. */
export const applicantStep: StepDefinition = {
  slug: 'contact',
  title: { fr: 'Vos coordonnées', en: 'Your contact details' },
  intro: {
    fr: 'La Ville vous écrit à cette adresse au sujet de votre demande.',
    en: 'The city writes to this address about your application.',
  },
  fields: [
    {
      name: 'contactName',
      type: 'text',
      prefill: 'account.name',
      label: { fr: 'Nom complet', en: 'Full name' },
    },
    {
      name: 'contactEmail',
      type: 'email',
      prefill: 'account.email',
      label: { fr: 'Adresse courriel', en: 'Email address' },
    },
    {
      name: 'contactPhone',
      type: 'phone',
      prefill: 'organization.contactPhone',
      label: { fr: 'Numéro de téléphone', en: 'Phone number' },
      hint: { fr: 'Par exemple 819 555-0123', en: 'For example 819 555-0123' },
    },
  ],
};
