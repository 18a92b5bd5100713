import type { ChoiceOption, FormDefinition } from '../form-schema.js';
import type { ServiceDefinition } from '../service-definition.js';
import { applicantStep, businessStep, FILES_INTRO, licensedWorker } from './common-fields.js';

const citizenTasks = [
  {
    fr: 'installer ou remplacer l’enseigne de votre commerce ou de votre activité à domicile',
    en: 'install or replace the sign of your shop or home-based business',
  },
  {
    fr: 'modifier une enseigne existante (dimensions, message ou éclairage)',
    en: 'change an existing sign (size, message or lighting)',
  },
  {
    fr: 'poser une bannière temporaire pour une ouverture, une vente ou un événement',
    en: 'put up a temporary banner for an opening, a sale or an event',
  },
];

const citizenDocuments = [
  {
    fr: 'l’adresse de l’immeuble où l’enseigne sera installée',
    en: 'the address of the building where the sign will be installed',
  },
  {
    fr: 'une maquette ou un photomontage de l’enseigne, avec ses dimensions et ses couleurs',
    en: 'a mock-up or photomontage of the sign, with its dimensions and colours',
  },
  {
    fr: 'le texte de l’enseigne, où le français doit être nettement prédominant',
    en: 'the text of the sign, in which French must be markedly predominant',
  },
  {
    fr: 'l’autorisation écrite du propriétaire de l’immeuble, si vous êtes locataire',
    en: 'the building owner’s written consent, if you are a tenant',
  },
];

const SIGN_TYPES: ChoiceOption[] = [
  {
    value: 'wall',
    label: { fr: 'Enseigne murale (à plat sur le mur)', en: 'Wall sign (flat against the wall)' },
  },
  {
    value: 'projecting',
    label: {
      fr: 'Enseigne projetante (perpendiculaire au mur)',
      en: 'Projecting sign (perpendicular to the wall)',
    },
  },
  {
    value: 'freestanding',
    label: { fr: 'Enseigne sur poteau ou sur socle', en: 'Freestanding sign (on a pole or base)' },
  },
  { value: 'window', label: { fr: 'Enseigne en vitrine', en: 'Window sign' } },
  { value: 'temporaryBanner', label: { fr: 'Bannière temporaire', en: 'Temporary banner' } },
];

const form: FormDefinition = {
  steps: [
    businessStep,
    {
      slug: 'location',
      title: { fr: 'L’emplacement', en: 'The location' },
      fields: [
        {
          name: 'signAddress',
          type: 'address',
          label: {
            fr: 'Adresse où l’enseigne sera installée',
            en: 'Address where the sign will be installed',
          },
        },
        {
          name: 'applicantIsOwner',
          type: 'yesNo',
          label: {
            fr: 'Êtes-vous propriétaire de cet immeuble ?',
            en: 'Do you own this building?',
          },
        },
        {
          name: 'ownerName',
          type: 'text',
          label: { fr: 'Nom du propriétaire', en: 'Name of the owner' },
          hint: {
            fr: 'Vous devrez joindre son autorisation écrite d’installer l’enseigne.',
            en: 'You will need to attach their written consent to install the sign.',
          },
          showIf: { field: 'applicantIsOwner', equals: 'no' },
        },
      ],
    },
    {
      slug: 'sign',
      title: { fr: 'L’enseigne', en: 'The sign' },
      fields: [
        {
          name: 'signType',
          type: 'choice',
          label: { fr: 'Type d’enseigne', en: 'Type of sign' },
          options: SIGN_TYPES,
        },
        {
          name: 'signWidth',
          type: 'number',
          min: 0.1,
          max: 30,
          suffix: { fr: 'm', en: 'm' },
          label: { fr: 'Largeur de l’enseigne', en: 'Width of the sign' },
          hint: { fr: 'En mètres, par exemple 2,4', en: 'In metres, for example 2.4' },
        },
        {
          name: 'signHeight',
          type: 'number',
          min: 0.1,
          max: 15,
          suffix: { fr: 'm', en: 'm' },
          label: { fr: 'Hauteur de l’enseigne', en: 'Height of the sign' },
          hint: { fr: 'En mètres, par exemple 0,9', en: 'In metres, for example 0.9' },
        },
        {
          name: 'clearanceHeight',
          type: 'number',
          min: 0,
          max: 20,
          suffix: { fr: 'm', en: 'm' },
          label: { fr: 'Hauteur libre sous l’enseigne', en: 'Clearance under the sign' },
          hint: {
            fr: 'Distance entre le sol et le bas de l’enseigne : au moins 2,5 m au-dessus d’un trottoir.',
            en: 'Distance from the ground to the bottom of the sign: at least 2.5 m above a sidewalk.',
          },
          showIf: { field: 'signType', equals: 'projecting' },
        },
        {
          name: 'illuminated',
          type: 'yesNo',
          label: { fr: 'L’enseigne sera-t-elle éclairée ?', en: 'Will the sign be illuminated?' },
        },
        {
          name: 'lightingType',
          type: 'choice',
          label: { fr: 'Type d’éclairage', en: 'Type of lighting' },
          options: [
            {
              value: 'external',
              label: {
                fr: 'Projecteurs dirigés vers l’enseigne (éclairage externe)',
                en: 'Spotlights aimed at the sign (external lighting)',
              },
            },
            {
              value: 'backlit',
              label: {
                fr: 'Boîtier lumineux (éclairage intérieur)',
                en: 'Light box (internal lighting)',
              },
            },
            {
              value: 'neon',
              label: { fr: 'Néon ou bandes DEL', en: 'Neon or LED strips' },
            },
            {
              value: 'digital',
              label: {
                fr: 'Écran numérique ou message variable',
                en: 'Digital screen or changeable message',
              },
            },
          ],
          showIf: { field: 'illuminated', equals: 'yes' },
        },
        {
          name: 'signText',
          type: 'longText',
          maxLength: 500,
          label: { fr: 'Texte de l’enseigne', en: 'Text on the sign' },
          hint: {
            fr: 'Écrivez le message tel qu’il apparaîtra. Le français doit y être nettement prédominant (Charte de la langue française).',
            en: 'Write the message as it will appear. French must be markedly predominant (Charter of the French Language).',
          },
        },
        {
          name: 'installationDate',
          type: 'date',
          notBefore: 'today',
          label: { fr: 'Date prévue d’installation', en: 'Planned installation date' },
          hint: { fr: 'Par exemple 15 6 2027', en: 'For example 15 6 2027' },
        },
        {
          name: 'removalDate',
          type: 'date',
          notBefore: 'today',
          label: { fr: 'Date de retrait de la bannière', en: 'Date the banner will be taken down' },
          hint: {
            fr: 'Une bannière temporaire peut rester en place 30 jours au plus.',
            en: 'A temporary banner may stay up for 30 days at most.',
          },
          showIf: { field: 'signType', equals: 'temporaryBanner' },
        },
        {
          name: 'otherSigns',
          type: 'group',
          only: 'business',
          optional: true,
          maxItems: 20,
          itemLabel: { fr: 'Enseigne', en: 'Sign' },
          label: {
            fr: 'Autres enseignes visées par la même demande',
            en: 'Other signs covered by this application',
          },
          hint: {
            fr: 'Pour plusieurs enseignes sur le même immeuble ou dans d’autres établissements. Laissez vide s’il n’y en a pas.',
            en: 'For several signs on the same building or at other establishments. Leave empty if there are none.',
          },
          fields: [
            {
              name: 'address',
              type: 'address',
              label: { fr: 'Adresse de l’établissement', en: 'Address of the establishment' },
            },
            {
              name: 'kind',
              type: 'choice',
              label: { fr: 'Type d’enseigne', en: 'Type of sign' },
              options: SIGN_TYPES,
            },
            {
              name: 'width',
              type: 'number',
              min: 0.1,
              max: 30,
              suffix: { fr: 'm', en: 'm' },
              label: { fr: 'Largeur', en: 'Width' },
            },
            {
              name: 'height',
              type: 'number',
              min: 0.1,
              max: 15,
              suffix: { fr: 'm', en: 'm' },
              label: { fr: 'Hauteur', en: 'Height' },
            },
            {
              name: 'lit',
              type: 'yesNo',
              label: { fr: 'Enseigne éclairée ?', en: 'Illuminated?' },
            },
          ],
        },
      ],
    },
    {
      slug: 'installer',
      only: 'business',
      title: { fr: 'Qui installera l’enseigne', en: 'Who will install the sign' },
      fields: [
        {
          name: 'installedBy',
          type: 'choice',
          label: { fr: 'L’enseigne sera installée par', en: 'The sign will be installed by' },
          hint: {
            fr: 'Si votre entreprise l’installe elle-même, sa licence RBQ est celle inscrite à la première étape.',
            en: 'If your business installs it itself, its RBQ licence is the one entered in the first step.',
          },
          options: [
            { value: 'self', label: { fr: 'Notre entreprise', en: 'Our business' } },
            {
              value: 'installer',
              label: { fr: 'Un installateur d’enseignes', en: 'A sign installer' },
            },
          ],
        },
        ...licensedWorker(
          'installer',
          {
            name: { fr: 'Nom de l’installateur', en: 'Installer’s name' },
            licence: {
              fr: 'Numéro de licence RBQ de l’installateur',
              en: 'Installer’s RBQ licence number',
            },
          },
          { field: 'installedBy', equals: 'installer' },
        ),
      ],
    },
    {
      slug: 'documents',
      title: { fr: 'Les documents', en: 'Documents' },
      intro: FILES_INTRO,
      fields: [
        {
          name: 'signMockup',
          type: 'file',
          maxFiles: 10,
          label: { fr: 'Maquette de l’enseigne', en: 'Mock-up of the sign' },
          hint: {
            fr: 'Un dessin ou un photomontage coté, avec les couleurs et les matériaux. Une maquette par enseigne si la demande en compte plusieurs.',
            en: 'A drawing or photomontage with dimensions, colours and materials. One mock-up per sign if the application covers several.',
          },
        },
        {
          name: 'signSitePlan',
          type: 'file',
          maxFiles: 3,
          label: { fr: 'Plan d’implantation de l’enseigne', en: 'Site plan of the sign' },
          hint: {
            fr: 'Il montre l’emplacement du poteau ou du socle et ses distances à la rue et aux limites du terrain.',
            en: 'It shows where the pole or base stands and its distances to the street and the property lines.',
          },
          showIf: { field: 'signType', equals: 'freestanding' },
        },
        {
          name: 'ownerConsent',
          type: 'file',
          maxFiles: 2,
          label: {
            fr: 'Autorisation écrite du propriétaire',
            en: 'Owner’s written consent',
          },
          showIf: { field: 'applicantIsOwner', equals: 'no' },
        },
        {
          name: 'facadePhotos',
          type: 'file',
          optional: true,
          maxFiles: 5,
          label: { fr: 'Photos de la façade actuelle', en: 'Photos of the current façade' },
        },
      ],
    },
    applicantStep,
  ],
};

export const signPermit: ServiceDefinition = {
  slug: 'sign-permit',
  referencePrefix: 'PA',
  title: { fr: 'Permis d’affichage', en: 'Sign permit' },
  summary: {
    fr: 'Demandez un permis avant d’installer, de remplacer ou de modifier une enseigne ou une bannière.',
    en: 'Apply for a permit before you install, replace or change a sign or a banner.',
  },
  department: { fr: 'Service de l’urbanisme', en: 'Urban Planning Department' },
  processingTime: {
    fr: 'La plupart des demandes complètes sont traitées en 20 jours ou moins.',
    en: 'Most complete applications are processed within 20 days.',
  },
  fees: {
    fr: '100 $ par enseigne permanente et 40 $ par bannière temporaire, payables à la délivrance du permis.',
    en: '$100 per permanent sign and $40 per temporary banner, payable when the permit is issued.',
  },
  variants: {
    citizen: {
      summary: {
        fr: 'Pour l’enseigne de votre commerce ou de votre activité à domicile.',
        en: 'For the sign of your shop or home-based business.',
      },
      useThisServiceTo: citizenTasks,
      beforeYouStart: citizenDocuments,
    },
    business: {
      summary: {
        fr: 'Pour les entreprises qui affichent sur un ou plusieurs établissements, une ou plusieurs enseignes à la fois.',
        en: 'For businesses putting up one or several signs, at one or several establishments.',
      },
      useThisServiceTo: [
        ...citizenTasks,
        {
          fr: 'déclarer en une seule demande plusieurs enseignes, ou les enseignes de plusieurs établissements',
          en: 'declare several signs, or the signs of several establishments, in one application',
        },
        {
          fr: 'remplacer les enseignes d’une chaîne après un changement d’image de marque',
          en: 'replace a chain’s signs after a rebranding',
        },
      ],
      beforeYouStart: [
        ...citizenDocuments,
        {
          fr: 'le numéro d’entreprise du Québec (NEQ) de votre entreprise',
          en: 'your business’s Québec enterprise number (NEQ)',
        },
        {
          fr: 'le numéro de licence de la Régie du bâtiment du Québec (RBQ) de l’installateur',
          en: 'the installer’s Régie du bâtiment du Québec (RBQ) licence number',
        },
        {
          fr: 'l’adresse, le type et les dimensions de chaque enseigne, si la demande en compte plusieurs',
          en: 'the address, type and dimensions of each sign, if the application covers several',
        },
      ],
    },
  },
  form,
};
