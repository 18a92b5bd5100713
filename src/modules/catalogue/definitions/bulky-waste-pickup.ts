import type { FormDefinition } from '../form-schema.js';
import type { ServiceDefinition } from '../service-definition.js';
import { applicantStep, businessStep } from './common-fields.js';

const citizenTasks = [
  {
    fr: 'faire ramasser des meubles, des matelas ou des électroménagers dont vous vous départez',
    en: 'have furniture, mattresses or appliances you are getting rid of picked up',
  },
  {
    fr: 'faire ramasser les débris de petits travaux de rénovation ou des branches',
    en: 'have debris from small renovation jobs or branches picked up',
  },
];

const citizenDocuments = [
  { fr: 'l’adresse de la collecte', en: 'the pickup address' },
  {
    fr: 'la liste des objets et une estimation de leur volume : à titre de repère, un divan trois places fait environ 1,5 m³',
    en: 'the list of items and an estimate of their volume: as a guide, a three-seat sofa is about 1.5 m³',
  },
  {
    fr: 'les réfrigérateurs, congélateurs et climatiseurs ne sont pas acceptés : ils ont leur propre collecte',
    en: 'refrigerators, freezers and air conditioners are not accepted: they have their own pickup',
  },
];

const form: FormDefinition = {
  steps: [
    businessStep,
    {
      slug: 'pickup',
      title: { fr: 'La collecte', en: 'The pickup' },
      fields: [
        {
          name: 'pickupAddress',
          type: 'address',
          label: { fr: 'Adresse de la collecte', en: 'Pickup address' },
        },
        {
          name: 'siteReference',
          type: 'text',
          only: 'business',
          optional: true,
          maxLength: 50,
          width: '20',
          label: { fr: 'Votre référence', en: 'Your reference' },
          hint: {
            fr: 'Par exemple un numéro d’immeuble ou de bon de travail, pour retrouver la collecte dans vos dossiers.',
            en: 'For example a building or work order number, to find the pickup in your records.',
          },
        },
        {
          name: 'preferredDate',
          type: 'date',
          notBefore: 'today',
          label: { fr: 'Date de collecte souhaitée', en: 'Preferred pickup date' },
          hint: {
            fr: 'La Ville vous confirme la date par courriel. Par exemple 15 6 2027',
            en: 'The city confirms the date by email. For example 15 6 2027',
          },
        },
        {
          name: 'placement',
          type: 'choice',
          label: {
            fr: 'Où les objets seront-ils déposés ?',
            en: 'Where will the items be left?',
          },
          hint: {
            fr: 'Sortez-les la veille au soir, sans bloquer le trottoir.',
            en: 'Put them out the evening before, without blocking the sidewalk.',
          },
          options: [
            {
              value: 'curb',
              label: {
                fr: 'En bordure de rue, devant l’immeuble',
                en: 'At the curb, in front of the building',
              },
            },
            {
              value: 'driveway',
              label: {
                fr: 'Dans l’entrée, près de la rue',
                en: 'In the driveway, near the street',
              },
            },
            {
              value: 'lane',
              label: {
                fr: 'Dans la ruelle, derrière l’immeuble',
                en: 'In the lane behind the building',
              },
            },
          ],
        },
      ],
    },
    {
      slug: 'items',
      title: { fr: 'Les objets', en: 'The items' },
      fields: [
        {
          name: 'wasteKinds',
          type: 'multiChoice',
          label: { fr: 'Types d’objets', en: 'Kinds of items' },
          hint: { fr: 'Cochez tout ce qui s’applique.', en: 'Select all that apply.' },
          options: [
            { value: 'furniture', label: { fr: 'Meubles', en: 'Furniture' } },
            {
              value: 'appliances',
              label: {
                fr: 'Électroménagers sans halocarbures (cuisinière, laveuse, sécheuse, lave-vaisselle)',
                en: 'Appliances without halocarbons (stove, washer, dryer, dishwasher)',
              },
              hint: {
                fr: 'Les réfrigérateurs, congélateurs et climatiseurs ont leur propre collecte.',
                en: 'Refrigerators, freezers and air conditioners have their own pickup.',
              },
            },
            {
              value: 'mattresses',
              label: { fr: 'Matelas et sommiers', en: 'Mattresses and box springs' },
            },
            {
              value: 'debris',
              label: {
                fr: 'Débris de construction ou de rénovation',
                en: 'Construction or renovation debris',
              },
              hint: {
                fr: 'Bois, gypse, bardeaux… en sacs ou attachés, sans produits dangereux.',
                en: 'Wood, drywall, shingles… bagged or tied, with no hazardous products.',
              },
            },
            {
              value: 'branches',
              label: { fr: 'Branches', en: 'Branches' },
              hint: {
                fr: 'Attachées en fagots d’au plus 1,2 m de long.',
                en: 'Tied in bundles no longer than 1.2 m.',
              },
            },
          ],
        },
        {
          name: 'approximateVolume',
          type: 'number',
          min: 0.1,
          max: 30,
          suffix: { fr: 'm³', en: 'm³' },
          label: { fr: 'Volume approximatif', en: 'Approximate volume' },
          hint: {
            fr: 'En mètres cubes, pour l’ensemble des objets. Un divan trois places fait environ 1,5 m³.',
            en: 'In cubic metres, for all the items. A three-seat sofa is about 1.5 m³.',
          },
        },
        {
          name: 'debrisVolume',
          type: 'number',
          only: 'business',
          min: 0.1,
          max: 30,
          suffix: { fr: 'm³', en: 'm³' },
          label: {
            fr: 'Volume de débris de construction',
            en: 'Volume of construction debris',
          },
          hint: {
            fr: 'Au-delà de 2 m³, les débris ne sont pas ramassés en bordure de rue : il faut un conteneur.',
            en: 'Above 2 m³, debris is not picked up at the curb: a container is needed.',
          },
          showIf: { field: 'wasteKinds', equals: 'debris' },
        },
        {
          name: 'containerNeeded',
          type: 'yesNo',
          only: 'business',
          label: {
            fr: 'Avez-vous besoin d’un conteneur ?',
            en: 'Do you need a container?',
          },
          hint: {
            fr: 'Répondez oui si vous avez plus de 2 m³ de débris. La Ville vous enverra la liste des fournisseurs autorisés ; un conteneur dans la rue exige une autorisation d’occupation du domaine public.',
            en: 'Answer yes if you have more than 2 m³ of debris. The city will send you the list of approved suppliers; a container on the street needs a public property occupation permit.',
          },
          showIf: { field: 'wasteKinds', equals: 'debris' },
        },
        {
          name: 'notes',
          type: 'longText',
          optional: true,
          maxLength: 500,
          label: { fr: 'Précisions pour l’équipe de collecte', en: 'Notes for the pickup crew' },
          hint: {
            fr: 'Par exemple un accès difficile ou un objet particulièrement lourd.',
            en: 'For example difficult access or a particularly heavy item.',
          },
        },
      ],
    },
    applicantStep,
  ],
};

export const bulkyWastePickup: ServiceDefinition = {
  slug: 'bulky-waste-pickup',
  referencePrefix: 'CV',
  title: { fr: 'Collecte des objets volumineux', en: 'Bulky item pickup' },
  summary: {
    fr: 'Demandez la collecte de meubles, d’électroménagers, de matelas, de débris de rénovation ou de branches.',
    en: 'Ask for furniture, appliances, mattresses, renovation debris or branches to be picked up.',
  },
  department: { fr: 'Service de l’environnement', en: 'Environment Department' },
  processingTime: {
    fr: 'La collecte a lieu dans les 10 jours ouvrables qui suivent la demande. La date est confirmée par courriel.',
    en: 'The pickup takes place within 10 working days of the request. The date is confirmed by email.',
  },
  fees: {
    fr: 'Gratuite jusqu’à 3 m³ par collecte pour les résidences. Au-delà, et pour les débris de construction des entreprises, 35 $ par mètre cube, facturés après la collecte.',
    en: 'Free up to 3 m³ per pickup for homes. Above that, and for businesses’ construction debris, $35 per cubic metre, billed after the pickup.',
  },
  variants: {
    citizen: {
      summary: {
        fr: 'Pour les objets volumineux de votre résidence.',
        en: 'For bulky items from your home.',
      },
      useThisServiceTo: citizenTasks,
      beforeYouStart: citizenDocuments,
    },
    business: {
      summary: {
        fr: 'Pour les gestionnaires d’immeubles et les entreprises : une collecte à la fois, ou plusieurs d’un coup à partir d’un fichier CSV.',
        en: 'For property managers and businesses: one pickup at a time, or many at once from a CSV file.',
      },
      useThisServiceTo: [
        ...citizenTasks,
        {
          fr: 'demander des collectes pour plusieurs immeubles ou logements à la fois, à partir d’un fichier CSV',
          en: 'request pickups for several buildings or units at once, from a CSV file',
        },
        {
          fr: 'vider des logements après les déménagements du 1er juillet',
          en: 'clear out units after the July 1 moving day',
        },
      ],
      beforeYouStart: [
        ...citizenDocuments,
        {
          fr: 'le numéro d’entreprise du Québec (NEQ) de votre entreprise',
          en: 'your business’s Québec enterprise number (NEQ)',
        },
        {
          fr: 'pour plusieurs collectes, un fichier CSV comptant une ligne par collecte, selon le modèle fourni',
          en: 'for several pickups, a CSV file with one row per pickup, following the template provided',
        },
        {
          fr: 'le volume de débris de construction, s’il y en a',
          en: 'the volume of construction debris, if any',
        },
      ],
    },
  },
  form,
  bulkFiling: true,
};
