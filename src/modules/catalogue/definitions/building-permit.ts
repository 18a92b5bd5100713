import type { FormDefinition } from '../form-schema.js';
import type { ServiceDefinition } from '../service-definition.js';
import {
  applicantStep,
  businessStep,
  lotNumber,
  FILES_INTRO,
  licensedWorker,
} from './common-fields.js';

const citizenTasks = [
  {
    fr: 'construire, agrandir ou rénover une maison, un garage ou un cabanon',
    en: 'build, extend or renovate a house, a garage or a shed',
  },
  {
    fr: 'installer une piscine, une clôture ou une thermopompe',
    en: 'install a pool, a fence or a heat pump',
  },
  { fr: 'démolir un bâtiment accessoire', en: 'demolish an outbuilding' },
];

const citizenDocuments = [
  {
    fr: "le numéro de lot ou l'adresse de la propriété (inscrits sur votre compte de taxes)",
    en: 'the lot number or address of the property (shown on your tax bill)',
  },
  {
    fr: "un plan d'implantation montrant les distances aux limites du terrain",
    en: 'a site plan showing distances to the property lines',
  },
  {
    fr: 'les plans des travaux et une estimation de leur coût',
    en: 'plans of the work and an estimate of its cost',
  },
];

const WORK_WITH_AREA = ['newBuilding', 'extension', 'accessoryBuilding'];

const form: FormDefinition = {
  steps: [
    businessStep,
    {
      slug: 'property',
      title: { fr: 'La propriété', en: 'The property' },
      fields: [
        {
          name: 'propertyAddress',
          type: 'address',
          label: { fr: 'Adresse des travaux', en: 'Address of the work' },
        },
        lotNumber('lotNumber'),
        {
          name: 'applicantIsOwner',
          type: 'yesNo',
          label: {
            fr: 'Êtes-vous propriétaire de cet immeuble ?',
            en: 'Do you own this property?',
          },
        },
        {
          name: 'ownerName',
          type: 'text',
          label: { fr: 'Nom du propriétaire', en: 'Name of the owner' },
          hint: {
            fr: 'Vous devrez joindre une procuration signée par le propriétaire.',
            en: 'You will need to attach a power of attorney signed by the owner.',
          },
          showIf: { field: 'applicantIsOwner', equals: 'no' },
        },
        {
          name: 'otherSites',
          type: 'group',
          only: 'business',
          optional: true,
          maxItems: 10,
          itemLabel: { fr: 'Autre site', en: 'Other site' },
          label: {
            fr: 'Autres sites visés par la même demande',
            en: 'Other sites covered by this application',
          },
          hint: {
            fr: 'Pour les mêmes travaux sur plusieurs sites (par exemple, une enseigne de chaîne). Laissez vide s’il n’y en a pas.',
            en: 'For the same work on several sites (a chain’s branches, for example). Leave empty if there are none.',
          },
          fields: [
            {
              name: 'address',
              type: 'address',
              label: { fr: 'Adresse', en: 'Address' },
            },
            { ...lotNumber('lot'), optional: true },
          ],
        },
      ],
    },
    {
      slug: 'work',
      title: { fr: 'Les travaux', en: 'The work' },
      fields: [
        {
          name: 'workType',
          type: 'choice',
          label: { fr: 'Type de travaux', en: 'Type of work' },
          options: [
            { value: 'newBuilding', label: { fr: 'Nouvelle construction', en: 'New building' } },
            { value: 'extension', label: { fr: 'Agrandissement', en: 'Extension' } },
            {
              value: 'renovation',
              label: {
                fr: 'Rénovation intérieure ou extérieure',
                en: 'Interior or exterior renovation',
              },
            },
            {
              value: 'accessoryBuilding',
              label: {
                fr: 'Garage, cabanon ou autre bâtiment accessoire',
                en: 'Garage, shed or other outbuilding',
              },
            },
            { value: 'pool', label: { fr: 'Piscine ou spa', en: 'Pool or spa' } },
            { value: 'fence', label: { fr: 'Clôture ou muret', en: 'Fence or low wall' } },
            { value: 'demolition', label: { fr: 'Démolition', en: 'Demolition' } },
            {
              value: 'commercialFitOut',
              label: {
                fr: 'Aménagement d’un local commercial',
                en: 'Fit-out of commercial premises',
              },
            },
          ],
        },
        {
          name: 'workDescription',
          type: 'longText',
          maxLength: 2000,
          label: { fr: 'Description des travaux', en: 'Description of the work' },
          hint: {
            fr: 'Ce que vous allez faire, les matériaux et les dimensions principales.',
            en: 'What you will do, the materials and the main dimensions.',
          },
        },
        {
          name: 'floorArea',
          type: 'number',
          min: 1,
          max: 100000,
          suffix: { fr: 'm²', en: 'm²' },
          label: { fr: 'Superficie de plancher ajoutée', en: 'Floor area added' },
          showIf: { field: 'workType', equals: WORK_WITH_AREA },
        },
        {
          name: 'storeys',
          type: 'number',
          integer: true,
          min: 1,
          max: 12,
          label: { fr: 'Nombre d’étages', en: 'Number of storeys' },
          showIf: { field: 'workType', equals: WORK_WITH_AREA },
        },
        {
          name: 'estimatedCost',
          type: 'money',
          min: 0,
          max: 100000000,
          label: { fr: 'Coût estimé des travaux', en: 'Estimated cost of the work' },
          hint: { fr: 'En dollars, taxes comprises.', en: 'In dollars, taxes included.' },
        },
        {
          name: 'startDate',
          type: 'date',
          notBefore: 'today',
          label: { fr: 'Date prévue de début', en: 'Planned start date' },
          hint: { fr: 'Par exemple 15 6 2027', en: 'For example 15 6 2027' },
        },
        {
          name: 'durationWeeks',
          type: 'number',
          integer: true,
          min: 1,
          max: 156,
          suffix: { fr: 'semaines', en: 'weeks' },
          label: { fr: 'Durée prévue', en: 'Planned duration' },
        },
        {
          name: 'treesCut',
          type: 'yesNo',
          label: {
            fr: 'Des arbres seront-ils abattus ?',
            en: 'Will any trees be cut down?',
          },
        },
      ],
    },
    {
      slug: 'contractor',
      title: { fr: 'Qui fera les travaux', en: 'Who will do the work' },
      fields: [
        {
          name: 'doneBy',
          type: 'choice',
          label: { fr: 'Les travaux seront faits par', en: 'The work will be done by' },
          options: [
            {
              value: 'self',
              label: { fr: 'Moi-même (autoconstruction)', en: 'Myself (owner-builder)' },
            },
            { value: 'contractor', label: { fr: 'Un entrepreneur', en: 'A contractor' } },
          ],
        },
        ...licensedWorker(
          'contractor',
          {
            name: { fr: 'Nom de l’entrepreneur', en: 'Contractor’s name' },
            licence: {
              fr: 'Numéro de licence RBQ de l’entrepreneur',
              en: 'Contractor’s RBQ licence number',
            },
          },
          { field: 'doneBy', equals: 'contractor' },
        ),
      ],
    },
    {
      slug: 'documents',
      title: { fr: 'Les documents', en: 'Documents' },
      intro: FILES_INTRO,
      fields: [
        {
          name: 'sitePlan',
          type: 'file',
          maxFiles: 3,
          label: { fr: 'Plan d’implantation', en: 'Site plan' },
          hint: {
            fr: 'Il montre le bâtiment et les distances aux limites du terrain.',
            en: 'It shows the building and the distances to the property lines.',
          },
        },
        {
          name: 'workPlans',
          type: 'file',
          optional: true,
          maxFiles: 5,
          label: { fr: 'Plans des travaux', en: 'Plans of the work' },
        },
      ],
    },
    applicantStep,
  ],
};

export const buildingPermit: ServiceDefinition = {
  slug: 'building-permit',
  referencePrefix: 'PC',
  title: { fr: 'Permis de construction ou de rénovation', en: 'Building or renovation permit' },
  summary: {
    fr: 'Demandez un permis avant de construire, agrandir, rénover ou démolir.',
    en: 'Apply for a permit before you build, extend, renovate or demolish.',
  },
  department: { fr: 'Service de l’urbanisme', en: 'Urban Planning Department' },
  processingTime: {
    fr: 'La plupart des demandes complètes sont traitées en 30 jours ou moins.',
    en: 'Most complete applications are processed within 30 days.',
  },
  fees: {
    fr: 'De 50 $ à 500 $ selon la valeur des travaux, payables à la délivrance du permis.',
    en: 'From $50 to $500 depending on the value of the work, payable when the permit is issued.',
  },
  variants: {
    citizen: {
      summary: {
        fr: 'Pour les travaux sur votre propre résidence.',
        en: 'For work on your own home.',
      },
      useThisServiceTo: citizenTasks,
      beforeYouStart: citizenDocuments,
    },
    business: {
      summary: {
        fr: 'Pour les entreprises qui font des travaux sur leurs locaux ou pour le compte d’un client, sur un ou plusieurs sites.',
        en: 'For businesses doing work on their own premises or for a client, on one or several sites.',
      },
      useThisServiceTo: [
        ...citizenTasks,
        {
          fr: 'aménager ou transformer un local commercial ou industriel',
          en: 'fit out or convert commercial or industrial premises',
        },
        {
          fr: 'déposer une seule demande pour plusieurs sites',
          en: 'file one application for several sites',
        },
      ],
      beforeYouStart: [
        ...citizenDocuments,
        {
          fr: 'le numéro d’entreprise du Québec (NEQ) de votre entreprise',
          en: 'your business’s Québec enterprise number (NEQ)',
        },
        {
          fr: 'le numéro de licence de la Régie du bâtiment du Québec (RBQ) de l’entrepreneur',
          en: 'the contractor’s Régie du bâtiment du Québec (RBQ) licence number',
        },
      ],
    },
  },
  form,
};
