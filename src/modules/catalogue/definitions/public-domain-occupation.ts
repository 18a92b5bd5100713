import type { FormDefinition } from '../form-schema.js';
import type { ServiceDefinition } from '../service-definition.js';
import { applicantStep, businessStep, FILES_INTRO } from './common-fields.js';

const citizenTasks = [
  {
    fr: 'placer un conteneur ou un module d’entreposage dans la rue pendant des travaux ou un déménagement',
    en: 'put a container or a storage unit on the street during work or a move',
  },
  {
    fr: 'installer un échafaudage ou une clôture de chantier sur le trottoir',
    en: 'put up scaffolding or a construction site fence on the sidewalk',
  },
  {
    fr: 'organiser une fête de quartier ou un autre événement dans la rue',
    en: 'hold a street party or another event on the street',
  },
];

const citizenDocuments = [
  {
    fr: 'l’adresse visée et l’emplacement exact de l’occupation (trottoir, rue ou cases de stationnement)',
    en: 'the address and the exact location of the occupation (sidewalk, street or parking spaces)',
  },
  {
    fr: 'les dates de début et de fin, ainsi que la superficie occupée',
    en: 'the start and end dates, and the area occupied',
  },
  {
    fr: 'un plan ou un croquis coté de l’aménagement, montrant le passage laissé aux piétons',
    en: 'a plan or a sketch with dimensions of the layout, showing the passage left for pedestrians',
  },
];

const form: FormDefinition = {
  steps: [
    businessStep,
    {
      slug: 'occupation',
      title: { fr: 'L’occupation', en: 'The occupation' },
      fields: [
        {
          name: 'occupationKind',
          type: 'choice',
          label: { fr: 'Type d’occupation', en: 'Type of occupation' },
          options: [
            {
              value: 'patio',
              label: { fr: 'Terrasse', en: 'Patio (terrasse)' },
              hint: {
                fr: 'La terrasse d’un restaurant, d’un café ou d’un bar.',
                en: 'The patio of a restaurant, a café or a bar.',
              },
            },
            {
              value: 'container',
              label: {
                fr: 'Conteneur ou module d’entreposage',
                en: 'Container or storage unit',
              },
            },
            { value: 'scaffolding', label: { fr: 'Échafaudage', en: 'Scaffolding' } },
            {
              value: 'siteFence',
              label: { fr: 'Clôture de chantier', en: 'Construction site fence' },
            },
            {
              value: 'event',
              label: {
                fr: 'Événement (fête de quartier, tournage, activité communautaire…)',
                en: 'Event (street party, film shoot, community activity…)',
              },
            },
          ],
        },
        {
          name: 'patioSeats',
          type: 'number',
          only: 'business',
          integer: true,
          min: 1,
          max: 500,
          suffix: { fr: 'places', en: 'seats' },
          label: {
            fr: 'Nombre de places assises sur la terrasse',
            en: 'Number of seats on the patio',
          },
          showIf: { field: 'occupationKind', equals: 'patio' },
        },
        {
          name: 'servesAlcohol',
          type: 'yesNo',
          only: 'business',
          label: {
            fr: 'Servirez-vous de l’alcool sur la terrasse ?',
            en: 'Will you serve alcohol on the patio?',
          },
          showIf: { field: 'occupationKind', equals: 'patio' },
        },
        {
          name: 'racjPermitNumber',
          type: 'text',
          only: 'business',
          width: '10',
          maxLength: 20,
          label: {
            fr: 'Numéro du permis d’alcool (RACJ)',
            en: 'Alcohol permit number (RACJ)',
          },
          hint: {
            fr: 'Le permis de la Régie des alcools, des courses et des jeux doit couvrir la terrasse.',
            en: 'The Régie des alcools, des courses et des jeux permit must cover the patio.',
          },
          showIf: { field: 'servesAlcohol', equals: 'yes' },
        },
        {
          name: 'occupationAddress',
          type: 'address',
          label: { fr: 'Adresse visée', en: 'Address' },
          hint: {
            fr: 'L’adresse de l’immeuble devant lequel se trouvera l’occupation.',
            en: 'The address of the building in front of which the occupation will be.',
          },
        },
        {
          name: 'occupiedSpace',
          type: 'multiChoice',
          label: { fr: 'Partie du domaine public occupée', en: 'Part of public property occupied' },
          hint: { fr: 'Cochez tout ce qui s’applique.', en: 'Select all that apply.' },
          options: [
            { value: 'sidewalk', label: { fr: 'Trottoir', en: 'Sidewalk' } },
            {
              value: 'street',
              label: { fr: 'Chaussée (voie de circulation)', en: 'Roadway (traffic lane)' },
            },
            {
              value: 'parking',
              label: { fr: 'Cases de stationnement sur rue', en: 'On-street parking spaces' },
            },
            { value: 'lane', label: { fr: 'Ruelle', en: 'Lane' } },
          ],
        },
        {
          name: 'parkingSpaces',
          type: 'number',
          integer: true,
          min: 1,
          max: 50,
          label: {
            fr: 'Nombre de cases de stationnement occupées',
            en: 'Number of parking spaces occupied',
          },
          showIf: { field: 'occupiedSpace', equals: 'parking' },
        },
        {
          name: 'surfaceArea',
          type: 'number',
          min: 1,
          max: 10000,
          suffix: { fr: 'm²', en: 'm²' },
          label: { fr: 'Superficie occupée', en: 'Area occupied' },
          hint: { fr: 'En mètres carrés, par exemple 18', en: 'In square metres, for example 18' },
        },
        {
          name: 'pedestrianCorridor',
          type: 'yesNo',
          label: {
            fr: 'Un passage d’au moins 1,5 m restera-t-il libre pour les piétons ?',
            en: 'Will a passage at least 1.5 m wide be kept clear for pedestrians?',
          },
          hint: {
            fr: 'Le passage doit être continu, sans obstacle et accessible aux personnes à mobilité réduite.',
            en: 'The passage must be continuous, free of obstacles and accessible to people with reduced mobility.',
          },
        },
        {
          name: 'pedestrianDetour',
          type: 'longText',
          maxLength: 1000,
          label: {
            fr: 'Comment les piétons seront-ils dirigés ?',
            en: 'How will pedestrians be directed?',
          },
          hint: {
            fr: 'Par exemple un passage protégé sur la chaussée ou une signalisation vers le trottoir d’en face.',
            en: 'For example a protected walkway on the roadway or signs to the sidewalk across the street.',
          },
          showIf: { field: 'pedestrianCorridor', equals: 'no' },
        },
      ],
    },
    {
      slug: 'period',
      title: { fr: 'La période', en: 'The period' },
      fields: [
        {
          name: 'startDate',
          type: 'date',
          notBefore: 'today',
          label: { fr: 'Date de début', en: 'Start date' },
          hint: { fr: 'Par exemple 15 6 2027', en: 'For example 15 6 2027' },
        },
        {
          name: 'endDate',
          type: 'date',
          notBefore: 'today',
          label: { fr: 'Date de fin', en: 'End date' },
          hint: {
            fr: 'Le dernier jour de l’occupation, par exemple 30 6 2027',
            en: 'The last day of the occupation, for example 30 6 2027',
          },
        },
        {
          name: 'openingHours',
          type: 'text',
          only: 'business',
          maxLength: 200,
          label: { fr: 'Heures d’ouverture de la terrasse', en: 'Patio opening hours' },
          hint: {
            fr: 'Par exemple : tous les jours de 11 h à 23 h',
            en: 'For example: every day from 11 a.m. to 11 p.m.',
          },
          showIf: { field: 'occupationKind', equals: 'patio' },
        },
      ],
    },
    {
      slug: 'documents',
      title: { fr: 'Le plan et l’assurance', en: 'Layout plan and insurance' },
      intro: FILES_INTRO,
      fields: [
        {
          name: 'layoutPlan',
          type: 'file',
          maxFiles: 3,
          label: { fr: 'Plan de l’aménagement', en: 'Layout plan' },
          hint: {
            fr: 'Un croquis coté suffit : il montre l’occupation, ses dimensions et le passage laissé aux piétons.',
            en: 'A sketch with dimensions will do: it shows the occupation, its size and the passage left for pedestrians.',
          },
        },
        {
          name: 'insuranceCertificate',
          type: 'file',
          only: 'business',
          maxFiles: 2,
          label: {
            fr: 'Certificat d’assurance responsabilité civile',
            en: 'Liability insurance certificate',
          },
          hint: {
            fr: 'Au moins 2 000 000 $ par sinistre, valide pendant toute l’occupation, la Ville désignée comme assurée additionnelle.',
            en: 'At least $2,000,000 per occurrence, valid for the whole occupation, naming the city as an additional insured.',
          },
        },
        {
          name: 'hasLiabilityInsurance',
          type: 'yesNo',
          only: 'citizen',
          label: {
            fr: 'Détenez-vous une assurance responsabilité civile qui couvre cette occupation ?',
            en: 'Do you hold liability insurance that covers this occupation?',
          },
          hint: {
            fr: 'Votre assurance habitation en comprend généralement une. La Ville pourrait vous demander une attestation, surtout pour un événement.',
            en: 'Your home insurance usually includes it. The city may ask you for proof, especially for an event.',
          },
        },
      ],
    },
    applicantStep,
  ],
};

export const publicDomainOccupation: ServiceDefinition = {
  slug: 'public-domain-occupation',
  referencePrefix: 'ODP',
  title: {
    fr: 'Occupation temporaire du domaine public',
    en: 'Temporary occupation of public property',
  },
  summary: {
    fr: 'Demandez l’autorisation d’occuper un trottoir, une rue ou des cases de stationnement pour une terrasse, un conteneur, un échafaudage, un chantier ou un événement.',
    en: 'Ask for permission to occupy a sidewalk, a street or parking spaces for a patio, a container, scaffolding, a worksite or an event.',
  },
  department: { fr: 'Service des travaux publics', en: 'Public Works Department' },
  processingTime: {
    fr: 'La plupart des demandes complètes sont traitées en 10 jours ouvrables. Pour un événement ou une fermeture de rue, prévoyez 30 jours.',
    en: 'Most complete applications are processed within 10 working days. For an event or a street closure, allow 30 days.',
  },
  fees: {
    fr: 'Frais d’étude de 75 $, plus un tarif d’occupation selon la superficie et la durée : par exemple 1,50 $ par m² par jour pour un conteneur ou un échafaudage, 30 $ par m² pour la saison des terrasses.',
    en: 'A $75 review fee, plus an occupation rate based on area and duration: for example $1.50 per m² per day for a container or scaffolding, $30 per m² for the patio season.',
  },
  variants: {
    citizen: {
      summary: {
        fr: 'Pour vos travaux, votre déménagement ou une fête de quartier.',
        en: 'For your home renovation, your move or a street party.',
      },
      useThisServiceTo: citizenTasks,
      beforeYouStart: citizenDocuments,
    },
    business: {
      summary: {
        fr: 'Pour les restaurateurs, les entrepreneurs et les organisateurs d’événements qui occupent temporairement le domaine public.',
        en: 'For restaurateurs, contractors and event organizers temporarily occupying public property.',
      },
      useThisServiceTo: [
        ...citizenTasks,
        {
          fr: 'aménager une terrasse commerciale sur le trottoir ou dans des cases de stationnement',
          en: 'set up a commercial patio on the sidewalk or in parking spaces',
        },
        {
          fr: 'occuper le domaine public pour un chantier que vous réalisez pour un client',
          en: 'occupy public property for a worksite you run for a client',
        },
      ],
      beforeYouStart: [
        ...citizenDocuments,
        {
          fr: 'le numéro d’entreprise du Québec (NEQ) de votre entreprise',
          en: 'your business’s Québec enterprise number (NEQ)',
        },
        {
          fr: 'un certificat d’assurance responsabilité civile d’au moins 2 000 000 $ désignant la Ville comme assurée additionnelle',
          en: 'a liability insurance certificate of at least $2,000,000 naming the city as an additional insured',
        },
        {
          fr: 'pour une terrasse où vous servez de l’alcool, le numéro de votre permis de la Régie des alcools, des courses et des jeux (RACJ)',
          en: 'for a patio where you serve alcohol, your Régie des alcools, des courses et des jeux (RACJ) permit number',
        },
      ],
    },
  },
  form,
};
