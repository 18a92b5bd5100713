import type { FormDefinition } from '../form-schema.js';
import type { ServiceDefinition } from '../service-definition.js';
import { applicantStep, businessStep, lotNumber, FILES_INTRO } from './common-fields.js';

const citizenTasks = [
  {
    fr: 'ouvrir un bureau à domicile où vous recevez des clients',
    en: 'open a home office where you meet clients',
  },
  {
    fr: 'exercer un métier ou offrir un service dans votre logement (coiffure, couture, soins, cours privés…)',
    en: 'practise a trade or offer a service from your home (hairdressing, sewing, care, private lessons…)',
  },
  {
    fr: 'déclarer un changement à une activité à domicile déjà autorisée',
    en: 'report a change to a home-based activity already authorized',
  },
];

const citizenDocuments = [
  {
    fr: 'l’adresse des lieux où l’activité sera exercée',
    en: 'the address of the place where the activity will take place',
  },
  {
    fr: 'une description de l’activité et de la superficie qu’elle occupera',
    en: 'a description of the activity and of the floor area it will use',
  },
  {
    fr: 'le nombre d’employés et de cases de stationnement prévus',
    en: 'the planned number of employees and parking spaces',
  },
];

const form: FormDefinition = {
  steps: [
    businessStep,
    {
      slug: 'premises',
      title: { fr: 'Les lieux', en: 'The premises' },
      fields: [
        {
          name: 'premisesAddress',
          type: 'address',
          label: {
            fr: 'Adresse où l’activité sera exercée',
            en: 'Address where the activity will take place',
          },
          hint: {
            fr: 'Indiquez le numéro du local ou du logement, s’il y a lieu.',
            en: 'Include the suite or unit number, if any.',
          },
        },
        { ...lotNumber('lotNumber'), only: 'business' },
        {
          name: 'applicantIsOwner',
          type: 'yesNo',
          label: {
            fr: 'Êtes-vous propriétaire des lieux ?',
            en: 'Do you own the premises?',
          },
        },
        {
          name: 'ownerName',
          type: 'text',
          label: { fr: 'Nom du propriétaire', en: 'Name of the owner' },
          hint: {
            fr: 'Le propriétaire doit consentir à l’activité. La Ville pourrait communiquer avec lui.',
            en: 'The owner must agree to the activity. The city may contact them.',
          },
          showIf: { field: 'applicantIsOwner', equals: 'no' },
        },
        {
          name: 'previousUse',
          type: 'text',
          only: 'business',
          optional: true,
          maxLength: 200,
          label: { fr: 'Usage précédent du local', en: 'Previous use of the premises' },
          hint: {
            fr: 'Par exemple : restaurant, bureau, entrepôt. Laissez vide pour un local neuf ou jamais occupé.',
            en: 'For example: restaurant, office, warehouse. Leave empty for new or never occupied premises.',
          },
        },
        {
          name: 'changeOfUse',
          type: 'yesNo',
          only: 'business',
          label: {
            fr: 'L’usage du local changera-t-il ?',
            en: 'Will the use of the premises change?',
          },
          hint: {
            fr: 'Par exemple, un commerce de détail qui devient un restaurant. Un changement d’usage peut exiger aussi un permis de construction.',
            en: 'For example, a retail store becoming a restaurant. A change of use may also require a building permit.',
          },
        },
      ],
    },
    {
      slug: 'activity',
      title: { fr: 'L’activité', en: 'The activity' },
      fields: [
        {
          name: 'useCategory',
          type: 'choice',
          only: 'business',
          label: { fr: 'Catégorie d’usage', en: 'Category of use' },
          options: [
            { value: 'retail', label: { fr: 'Commerce de détail', en: 'Retail' } },
            {
              value: 'office',
              label: {
                fr: 'Bureaux et services professionnels',
                en: 'Offices and professional services',
              },
            },
            { value: 'food', label: { fr: 'Restauration ou bar', en: 'Restaurant or bar' } },
            {
              value: 'personalServices',
              label: {
                fr: 'Services personnels (coiffure, soins, réparation…)',
                en: 'Personal services (hairdressing, care, repair…)',
              },
            },
            {
              value: 'lightIndustry',
              label: { fr: 'Atelier ou industrie légère', en: 'Workshop or light industry' },
            },
            {
              value: 'warehouse',
              label: { fr: 'Entreposage ou distribution', en: 'Storage or distribution' },
            },
            { value: 'other', label: { fr: 'Autre', en: 'Other' } },
          ],
        },
        {
          name: 'activityDescription',
          type: 'longText',
          maxLength: 1500,
          label: { fr: 'Description de l’activité', en: 'Description of the activity' },
          hint: {
            fr: 'Ce que vous ferez sur place, les produits ou les services offerts.',
            en: 'What you will do there, the products or services offered.',
          },
        },
        {
          name: 'naicsCode',
          type: 'text',
          only: 'business',
          optional: true,
          width: '10',
          label: { fr: 'Code SCIAN de l’activité', en: 'NAICS code of the activity' },
          hint: {
            fr: 'De 2 à 6 chiffres, par exemple 722511 pour un restaurant à service complet.',
            en: 'From 2 to 6 digits, for example 722511 for a full-service restaurant.',
          },
          pattern: {
            regex: '^\\d{2,6}$',
            message: {
              fr: 'Le code SCIAN compte de 2 à 6 chiffres, par exemple 722511',
              en: 'A NAICS code has 2 to 6 digits, for example 722511',
            },
          },
        },
        {
          name: 'floorArea',
          type: 'number',
          min: 1,
          max: 100000,
          suffix: { fr: 'm²', en: 'm²' },
          label: {
            fr: 'Superficie de plancher utilisée pour l’activité',
            en: 'Floor area used for the activity',
          },
          hint: {
            fr: 'Pour une activité à domicile, seulement la partie du logement qui lui est réservée.',
            en: 'For a home-based activity, only the part of the home set aside for it.',
          },
        },
        {
          name: 'employeeCount',
          type: 'number',
          integer: true,
          min: 0,
          max: 10000,
          label: { fr: 'Nombre d’employés sur place', en: 'Number of employees on site' },
          hint: {
            fr: 'Sans compter les personnes qui habitent le logement, s’il s’agit d’une activité à domicile.',
            en: 'Not counting the people who live in the home, for a home-based activity.',
          },
        },
        {
          name: 'clientsVisit',
          type: 'yesNo',
          label: {
            fr: 'Des clients viendront-ils sur place ?',
            en: 'Will clients come to the premises?',
          },
        },
        {
          name: 'parkingSpaces',
          type: 'number',
          integer: true,
          min: 0,
          max: 2000,
          label: {
            fr: 'Nombre de cases de stationnement hors rue disponibles',
            en: 'Number of off-street parking spaces available',
          },
          hint: {
            fr: 'Dans l’entrée, le garage ou le stationnement de l’immeuble. Inscrivez 0 s’il n’y en a pas.',
            en: 'In the driveway, the garage or the building’s parking lot. Enter 0 if there are none.',
          },
        },
        {
          name: 'hazardousMaterials',
          type: 'yesNo',
          only: 'business',
          label: {
            fr: 'Des matières dangereuses seront-elles entreposées ou utilisées sur place ?',
            en: 'Will hazardous materials be stored or used on the premises?',
          },
          hint: {
            fr: 'Par exemple des produits inflammables ou corrosifs, ou des gaz comprimés.',
            en: 'For example flammable or corrosive products, or compressed gases.',
          },
        },
        {
          name: 'hazardousDescription',
          type: 'longText',
          only: 'business',
          maxLength: 2000,
          label: {
            fr: 'Matières dangereuses et quantités',
            en: 'Hazardous materials and quantities',
          },
          hint: {
            fr: 'Le nom des produits, les quantités maximales entreposées et l’endroit où ils seront rangés.',
            en: 'The names of the products, the largest quantities stored and where they will be kept.',
          },
          showIf: { field: 'hazardousMaterials', equals: 'yes' },
        },
      ],
    },
    {
      slug: 'documents',
      only: 'business',
      title: { fr: 'Le plan du local', en: 'Floor plan' },
      intro: FILES_INTRO,
      fields: [
        {
          name: 'floorPlan',
          type: 'file',
          maxFiles: 3,
          label: { fr: 'Plan du local', en: 'Floor plan of the premises' },
          hint: {
            fr: 'Il montre les pièces et leur usage, les issues et, s’il y a lieu, l’endroit où sont rangées les matières dangereuses.',
            en: 'It shows the rooms and their use, the exits and, if any, where hazardous materials are kept.',
          },
        },
      ],
    },
    applicantStep,
  ],
};

export const occupancyCertificate: ServiceDefinition = {
  slug: 'occupancy-certificate',
  referencePrefix: 'CO',
  title: { fr: 'Certificat d’occupation', en: 'Certificate of occupancy' },
  summary: {
    fr: 'Obtenez l’autorisation d’exercer une activité dans un local ou à votre domicile avant de commencer.',
    en: 'Get permission to run an activity in premises or from your home before you start.',
  },
  department: { fr: 'Service de l’urbanisme', en: 'Urban Planning Department' },
  processingTime: {
    fr: 'La plupart des demandes complètes sont traitées en 15 jours ouvrables. Une inspection des lieux peut être nécessaire.',
    en: 'Most complete applications are processed within 15 working days. An inspection of the premises may be needed.',
  },
  fees: {
    fr: '75 $ pour une activité à domicile, 200 $ pour un local commercial, de bureaux ou industriel, payables à la délivrance du certificat.',
    en: '$75 for a home-based activity, $200 for commercial, office or industrial premises, payable when the certificate is issued.',
  },
  variants: {
    citizen: {
      summary: {
        fr: 'Pour exercer une activité professionnelle ou commerciale dans votre logement.',
        en: 'For running a professional or business activity from your home.',
      },
      useThisServiceTo: citizenTasks,
      beforeYouStart: citizenDocuments,
    },
    business: {
      summary: {
        fr: 'Pour les entreprises qui s’installent dans un local, en changent l’usage ou exercent leur activité à domicile.',
        en: 'For businesses moving into premises, changing their use or operating from a home.',
      },
      useThisServiceTo: [
        ...citizenTasks,
        {
          fr: 'occuper un local commercial, de bureaux ou industriel, ou en changer l’usage',
          en: 'occupy commercial, office or industrial premises, or change their use',
        },
        {
          fr: 'reprendre un local après un autre occupant',
          en: 'take over premises from a previous occupant',
        },
      ],
      beforeYouStart: [
        ...citizenDocuments,
        {
          fr: 'le numéro d’entreprise du Québec (NEQ) de votre entreprise',
          en: 'your business’s Québec enterprise number (NEQ)',
        },
        {
          fr: 'le numéro de lot et l’usage précédent du local',
          en: 'the lot number and the previous use of the premises',
        },
        {
          fr: 'un plan du local indiquant l’usage de chaque pièce',
          en: 'a floor plan of the premises showing the use of each room',
        },
        {
          fr: 'la liste des matières dangereuses entreposées ou utilisées, s’il y a lieu',
          en: 'the list of hazardous materials stored or used, if any',
        },
      ],
    },
  },
  form,
};
