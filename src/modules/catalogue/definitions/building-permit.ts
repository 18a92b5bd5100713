import type { ServiceDefinition } from '../service-definition.js';

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

export const buildingPermit: ServiceDefinition = {
  slug: 'building-permit',
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
};
