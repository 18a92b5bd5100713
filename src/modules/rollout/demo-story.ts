import { randomUUID } from 'node:crypto';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { AddressAnswer, Answers } from '../catalogue/form-schema.js';
import type { FeedbackKind, FeedbackStatus, Severity } from '../feedback/feedback-options.js';
import type { Stage } from './stages.js';

/**
 * The demo's story (issue 16), told by its applications and feedback so that
 * the SME-first comparison has something to compare: the bulky-waste pickup
 * opened to every SME 150 days ago and to the citizen testers 50 days later;
 * the sign permit opened 60 days ago to the pilot shops of rue Principale, and
 * not yet to residents. The pilot shops gave more feedback, longer, with more
 * screenshots, of more kinds and on more steps than the citizen testers; the
 * SMEs found problems in the bulky-waste pickup that were mostly fixed before
 * residents got it.
 */

/**
 * One item of feedback about one of its author's filings: given while filing
 * on the pages (from `step`), or after (from the confirmation page; with no
 * page after a filing through the API or a CSV file).
 */
export interface StoryFeedback {
  /** Its author: an SME by NEQ (its owner writes), or a citizen by the start of their email. */
  by: string;
  /** The author's filing it was given on (0: their first). */
  on?: number;
  kind: FeedbackKind;
  severity?: Severity;
  /** The form step it was sent from; none: the confirmation page, after submitting. */
  step?: string;
  screenshot?: boolean;
  consent?: boolean;
  /** What staff made of it, and how many days after it came. */
  triage?: { status: Exclude<FeedbackStatus, 'new' | 'duplicate'>; after: number };
  tried?: string;
  happened: string;
  expected?: string;
}

/** A variant's part of the story. */
export interface StoryVariant {
  slug: string;
  variant: Audience;
  /** Its stage in the demo, then and now. */
  stage: Stage;
  /** When it opened, in days before the seed runs. */
  openedDaysAgo: number;
  /** Days after a submission that a clerk takes it up, and decides it. */
  review: number;
  decide: number;
  /**
   * Who filed (an SME by NEQ, a citizen by the start of their email), on which
   * days after the opening, and how (on the pages unless said).
   */
  filings: { by: string; days: number[]; channel?: 'api' | 'csv' }[];
  feedback: StoryFeedback[];
}

/** When the story's pilot members joined, in days before the seed runs: a week before the pilot. */
export const STORY_COHORTS_JOINED: Record<string, number> = {
  'pme-pilotes-commerces': 67,
  'citoyens-testeurs': 107,
};

const SIGN_PERMIT: StoryVariant = {
  slug: 'sign-permit',
  variant: 'business',
  stage: 'sme-pilot',
  openedDaysAgo: 60,
  review: 2,
  decide: 9,
  filings: [
    { by: '1164829371', days: [2, 23, 47] },
    { by: '1176509142', days: [4, 30, 52] },
    { by: '1140658297', days: [9, 44] },
    { by: '1157204836', days: [3, 36] },
    { by: '1169843012', days: [6, 49] },
    { by: '1143528690', days: [8, 40] },
    { by: '1170615943', days: [5, 27] },
    { by: '1136947281', days: [12, 55] },
    { by: '1165390174', days: [10, 33] },
    { by: '1152746308', days: [15, 51] },
    { by: '1174081529', days: [7, 38] },
  ],
  feedback: [
    {
      by: '1164829371',
      kind: 'problem',
      severity: 'major',
      step: 'documents',
      screenshot: true,
      consent: true,
      triage: { status: 'fixed', after: 6 },
      tried:
        'Joindre la maquette de notre nouvelle enseigne murale, exportée en PDF par notre graphiste.',
      happened:
        'Le fichier a été refusé avec le message « fichier trop volumineux », sans dire quelle taille est permise. J’ai dû demander une version plus légère au graphiste et recommencer l’étape le lendemain.',
      expected:
        'Connaître la taille maximale avant de choisir le fichier, ou pouvoir déposer la maquette telle quelle.',
    },
    {
      by: '1157204836',
      kind: 'praise',
      tried: 'Faire ma première demande de permis d’affichage en ligne.',
      happened:
        'Tout était clair et j’ai terminé en une quinzaine de minutes, entre deux livraisons. La liste de ce qu’il faut préparer, au début, m’a évité de chercher les mesures au dernier moment.',
      expected: 'Rien de plus, continuez comme ça.',
    },
    {
      by: '1176509142',
      kind: 'problem',
      severity: 'major',
      step: 'sign',
      screenshot: true,
      triage: { status: 'fixed', after: 9 },
      tried:
        'Indiquer la hauteur libre sous notre enseigne projetante, au-dessus du trottoir de la rue Principale.',
      happened:
        'Le champ refusait « 2,6 » et n’acceptait que « 2.6 ». Le message disait que la valeur n’était pas un nombre, ce qui nous a fait douter de la mesure elle-même.',
      expected: 'Que la virgule décimale soit acceptée, comme partout ailleurs au Québec.',
    },
    {
      by: '1170615943',
      kind: 'unclear-wording',
      step: 'sign',
      triage: { status: 'planned', after: 5 },
      tried: 'Choisir le type d’éclairage de l’enseigne au-dessus de notre vitrine.',
      happened:
        'Notre boîtier a des DEL à l’intérieur : je ne savais pas si c’est un « boîtier lumineux » ou des « bandes DEL ». Les deux choix semblaient s’appliquer et j’ai choisi au hasard.',
      expected: 'Une courte description ou une image de chaque type d’éclairage.',
    },
    {
      by: '1169843012',
      kind: 'missing-feature',
      step: 'sign',
      triage: { status: 'planned', after: 7 },
      tried:
        'Demander un permis pour l’enseigne murale et pour l’enseigne en vitrine de la librairie en une seule fois.',
      happened:
        'La section des autres enseignes demande les dimensions, mais pas le texte de chacune. J’ai donc écrit les deux textes dans celui de la première enseigne.',
      expected:
        'Pouvoir décrire chaque enseigne au complet (texte, dimensions, éclairage) dans la même demande.',
    },
    {
      by: '1174081529',
      kind: 'problem',
      severity: 'minor',
      step: 'business',
      screenshot: true,
      triage: { status: 'fixed', after: 12 },
      tried: 'Vérifier les renseignements de l’entreprise déjà remplis à la première étape.',
      happened:
        'L’adresse était celle de notre ancien local. Je l’ai corrigée, mais l’étape suivante proposait encore l’ancienne adresse pour l’enseigne, et je ne l’ai vu qu’au récapitulatif.',
      expected:
        'Que l’adresse de l’enseigne reprenne l’adresse corrigée, ou qu’on me demande laquelle utiliser.',
    },
    {
      by: '1143528690',
      kind: 'hard-to-use',
      step: 'installer',
      tried: 'Indiquer que notre installateur d’enseignes s’occupe des travaux.',
      happened:
        'Il fallait son numéro de licence RBQ, que je n’avais pas sous la main. Impossible d’enregistrer l’étape sans lui : j’ai tout laissé en plan pour appeler l’installateur.',
      expected: 'Pouvoir enregistrer l’étape et ajouter le numéro plus tard, avant d’envoyer.',
    },
    {
      by: '1140658297',
      kind: 'question',
      step: 'location',
      consent: true,
      triage: { status: 'acknowledged', after: 1 },
      tried: 'Demander un permis pour l’enseigne à l’entrée de notre entrepôt, rue Industrielle.',
      happened:
        'Le formulaire demande si nous sommes propriétaires. Le bâtiment est à nous, mais nous louons le terrain où l’enseigne sera posée.',
      expected: 'Savoir quelle réponse donner dans ce cas et quelle autorisation joindre.',
    },
    {
      by: '1165390174',
      kind: 'problem',
      severity: 'blocker',
      step: 'documents',
      screenshot: true,
      consent: true,
      triage: { status: 'fixed', after: 3 },
      tried: 'Téléverser la photo de la façade prise avec mon téléphone.',
      happened:
        'La page est restée sur « Envoi en cours » et, après l’avoir rechargée, la photo n’apparaissait nulle part. J’ai réessayé trois fois avant de finir la demande sur l’ordinateur du restaurant.',
      expected:
        'Que la photo parte depuis le téléphone, ou au moins un message qui dit ce qui bloque.',
    },
    {
      by: '1136947281',
      kind: 'unclear-wording',
      step: 'sign',
      triage: { status: 'acknowledged', after: 2 },
      tried: 'Écrire le texte de notre enseigne.',
      happened:
        'L’aide parle d’un français « nettement prédominant ». Je ne savais pas si le slogan en anglais sous notre nom était permis, ni en quelle taille.',
      expected: 'Un exemple d’enseigne conforme, avec les proportions à respecter.',
    },
    {
      by: '1152746308',
      kind: 'missing-feature',
      step: 'documents',
      screenshot: true,
      triage: { status: 'acknowledged', after: 4 },
      tried: 'Joindre la maquette de la bannière de notre vente trottoir.',
      happened:
        'Nous installons la même bannière chaque année : il faut refaire toute la demande et joindre la même maquette que l’an dernier.',
      expected: 'Pouvoir copier une demande déjà approuvée et changer seulement les dates.',
    },
    {
      by: '1164829371',
      on: 1,
      kind: 'problem',
      severity: 'major',
      step: 'contact',
      triage: { status: 'fixed', after: 8 },
      tried: 'Donner le cellulaire de Julie, notre gérante, comme contact pour ce permis.',
      happened:
        'Le numéro de l’entreprise revenait chaque fois que je retournais à l’étape, et le reçu est arrivé à mon adresse plutôt qu’à la sienne.',
      expected: 'Que le contact choisi reste celui de la demande et reçoive les avis.',
    },
    {
      by: '1170615943',
      on: 1,
      kind: 'hard-to-use',
      step: 'sign',
      screenshot: true,
      tried:
        'Entrer les dimensions de notre enseigne en pieds, comme sur la soumission du fabricant.',
      happened:
        'Le formulaire demande des mètres. J’ai converti chaque mesure moi-même et j’ai peur de m’être trompé sur la hauteur.',
      expected: 'Pouvoir choisir les pieds, ou un convertisseur à côté du champ.',
    },
    {
      by: '1176509142',
      on: 1,
      kind: 'question',
      tried: 'Savoir si la terrasse et son enseigne peuvent faire partie de la même demande.',
      happened: 'Je n’ai pas trouvé la réponse sur la page du service ni dans l’aide.',
      expected: 'Une mention des autres permis à demander pour une terrasse.',
    },
    {
      by: '1165390174',
      on: 1,
      kind: 'unclear-wording',
      step: 'location',
      screenshot: true,
      triage: { status: 'fixed', after: 10 },
      tried: 'Répondre à la question sur le propriétaire.',
      happened:
        'La question « Êtes-vous propriétaire ? » ne dit pas s’il s’agit de l’immeuble, du local ou de l’enseigne. L’enseigne est à nous, l’immeuble non.',
      expected: '« Êtes-vous propriétaire de l’immeuble ? », tout simplement.',
    },
    {
      by: '1157204836',
      on: 1,
      kind: 'problem',
      severity: 'minor',
      step: 'installer',
      triage: { status: 'acknowledged', after: 3 },
      tried: 'Indiquer que nous installons la bannière nous-mêmes.',
      happened:
        'Après avoir choisi « Notre entreprise », les champs de l’installateur sont restés affichés et l’étape disait qu’il manquait son nom.',
      expected: 'Que ces champs disparaissent et que l’étape soit complète.',
    },
    {
      by: '1174081529',
      on: 1,
      kind: 'missing-feature',
      triage: { status: 'acknowledged', after: 2 },
      tried: 'Payer les frais du permis.',
      happened:
        'La confirmation dit que les frais sont payables à la délivrance, mais on ne peut pas payer en ligne : il faut passer au comptoir de l’hôtel de ville.',
      expected: 'Payer par carte dans le portail, comme les taxes municipales.',
    },
    {
      by: '1143528690',
      on: 1,
      kind: 'problem',
      severity: 'major',
      step: 'sign',
      screenshot: true,
      consent: true,
      triage: { status: 'planned', after: 4 },
      tried: 'Demander une bannière temporaire pour une promotion de trois semaines.',
      happened:
        'La date de retrait acceptait une date trois mois plus tard, alors que l’aide parle de 30 jours au plus. La demande est partie sans avertissement et nous ne savons pas si elle sera refusée.',
      expected: 'Un message dès la saisie quand la bannière resterait plus de 30 jours.',
    },
    {
      by: '1169843012',
      on: 1,
      kind: 'praise',
      tried: 'Renouveler l’enseigne en vitrine de la librairie.',
      happened:
        'Bien plus simple que le formulaire papier : les renseignements de l’entreprise étaient déjà remplis et j’ai eu le numéro de référence tout de suite.',
      expected: 'Rien, merci.',
    },
  ],
};

const BULKY_WASTE_SMES: StoryVariant = {
  slug: 'bulky-waste-pickup',
  variant: 'business',
  stage: 'sme-all',
  openedDaysAgo: 150,
  review: 1,
  decide: 3,
  filings: [
    // The carrier and the wholesaler tried the pages, then filed through the API;
    // the furniture maker sends a CSV file.
    { by: '1145817093', days: [3, 21, 45] },
    { by: '1145817093', days: [70, 98, 131], channel: 'api' },
    { by: '1140658297', days: [4, 33] },
    { by: '1140658297', days: [61, 92, 125], channel: 'api' },
    { by: '1133702659', days: [6] },
    { by: '1133702659', days: [40, 77, 110, 140], channel: 'csv' },
    { by: '1162487015', days: [8, 52, 88, 121] },
    { by: '1148305726', days: [9, 66, 117] },
    { by: '1176509142', days: [11, 102] },
    { by: '1164829371', days: [13, 135] },
    { by: '1168241735', days: [15, 96] },
    { by: '1159360284', days: [17, 128] },
    { by: '1170615943', days: [19, 113] },
    { by: '1174081529', days: [43, 143] },
    { by: '1165390174', days: [81] },
  ],
  feedback: [
    {
      by: '1145817093',
      kind: 'problem',
      severity: 'major',
      step: 'items',
      screenshot: true,
      triage: { status: 'fixed', after: 7 },
      tried: 'Indiquer le volume de débris de notre entrepôt, environ 2,5 mètres cubes.',
      happened:
        'Le champ refusait la virgule, et après l’erreur les types d’objets cochés étaient vides.',
      expected: 'Accepter 2,5 et garder les cases cochées après une erreur.',
    },
    {
      by: '1140658297',
      kind: 'problem',
      severity: 'major',
      step: 'pickup',
      consent: true,
      triage: { status: 'fixed', after: 10 },
      tried: 'Demander une collecte au quai de chargement de notre entrepôt.',
      happened:
        'La date souhaitée permettait un samedi, mais la collecte des entreprises ne passe pas la fin de semaine. On nous a rappelés pour la reporter.',
      expected: 'Ne proposer que les jours où la collecte passe.',
    },
    {
      by: '1162487015',
      kind: 'problem',
      severity: 'minor',
      step: 'business',
      triage: { status: 'fixed', after: 6 },
      tried: 'Vérifier le nom de l’entreprise au début de la demande.',
      happened: 'Le récapitulatif affichait notre nom sans les accents.',
      expected: 'Le nom exactement comme dans notre dossier.',
    },
    {
      by: '1148305726',
      kind: 'problem',
      severity: 'major',
      step: 'items',
      screenshot: true,
      triage: { status: 'fixed', after: 60 },
      tried: 'Demander un conteneur pour des bardeaux de toiture arrachés.',
      happened:
        'J’ai répondu « Oui » pour le conteneur, mais le récapitulatif n’en parlait pas et personne ne nous a dit quand il serait livré.',
      expected: 'Voir le conteneur demandé dans le récapitulatif, avec sa date de livraison.',
    },
    {
      by: '1176509142',
      kind: 'hard-to-use',
      step: 'pickup',
      tried: 'Donner l’endroit de la collecte : la ruelle derrière le bistro.',
      happened: 'L’adresse demande un numéro civique, et la ruelle n’en a pas.',
      expected: 'Pouvoir décrire l’endroit en quelques mots.',
    },
    {
      by: '1164829371',
      kind: 'question',
      step: 'items',
      consent: true,
      triage: { status: 'acknowledged', after: 1 },
      tried: 'Faire ramasser un vieux four à sole.',
      happened: 'Je ne sais pas si un four commercial compte comme un électroménager.',
      expected: 'Une liste de ce qui est accepté.',
    },
    {
      by: '1168241735',
      kind: 'missing-feature',
      step: 'contact',
      tried: 'Ajouter une deuxième personne à joindre le jour de la collecte.',
      happened: 'Il n’y a place que pour un contact, et la réceptionniste n’est pas toujours là.',
      expected: 'Un deuxième contact, ou une consigne pour l’équipe de collecte.',
    },
    {
      by: '1159360284',
      kind: 'praise',
      tried: 'Faire enlever de vieilles clôtures et des branches.',
      happened: 'Simple et rapide : la collecte est passée deux jours plus tard.',
      expected: 'Rien à changer.',
    },
    {
      by: '1170615943',
      kind: 'problem',
      severity: 'minor',
      step: 'pickup',
      triage: { status: 'acknowledged', after: 3 },
      tried: 'Choisir « Dans l’entrée » comme emplacement.',
      happened:
        'La confirmation disait « en bordure de rue » et l’équipe a cherché nos objets sur le trottoir.',
      expected: 'Que la confirmation reprenne l’emplacement choisi.',
    },
    {
      by: '1133702659',
      on: 1,
      kind: 'missing-feature',
      triage: { status: 'planned', after: 9 },
      tried: 'Upload our pickup requests as a CSV file for our two plants.',
      happened:
        'After sending the file, we could not tell which rows became applications and which were refused.',
      expected: 'A report, row by row, that we can download.',
    },
    {
      by: '1145817093',
      on: 2,
      kind: 'hard-to-use',
      step: 'pickup',
      screenshot: true,
      tried: 'Demander une collecte pour nos trois entrepôts.',
      happened: 'Il faut une demande par adresse : trois demandes presque identiques.',
      expected: 'Une seule demande avec plusieurs adresses.',
    },
    {
      by: '1174081529',
      kind: 'missing-feature',
      step: 'pickup',
      screenshot: true,
      tried: 'Prévoir une collecte chaque mois pour nos fûts et nos palettes abîmés.',
      happened: 'Il faut refaire la demande chaque mois avec les mêmes réponses.',
      expected: 'Une collecte récurrente, ou recopier une demande précédente.',
    },
    {
      by: '1165390174',
      kind: 'praise',
      tried: 'Faire enlever deux vieux réfrigérateurs du restaurant.',
      happened: 'Demande faite en cinq minutes sur mon téléphone.',
      expected: 'Parfait comme ça.',
    },
    {
      by: '1162487015',
      on: 2,
      kind: 'question',
      step: 'items',
      tried: 'Faire ramasser des produits d’entretien périmés avec les meubles.',
      happened: 'Le formulaire ne dit pas où apporter les produits dangereux.',
      expected: 'Un lien vers l’écocentre et ses heures.',
    },
    {
      by: '1162487015',
      on: 3,
      kind: 'problem',
      severity: 'minor',
      step: 'contact',
      triage: { status: 'fixed', after: 6 },
      tried: 'Mettre le courriel de notre répartitrice comme contact.',
      happened: 'La confirmation est quand même partie au courriel du propriétaire.',
      expected: 'Que la confirmation aille au contact de la demande.',
    },
  ],
};

const BULKY_WASTE_TESTERS: StoryVariant = {
  slug: 'bulky-waste-pickup',
  variant: 'citizen',
  stage: 'citizen-pilot',
  openedDaysAgo: 100,
  review: 1,
  decide: 3,
  filings: [
    { by: 'citizen01', days: [6, 31, 58, 90] },
    { by: 'citizen02', days: [9, 47, 83] },
    { by: 'citizen03', days: [11, 39, 76] },
    { by: 'citizen04', days: [14, 52, 95] },
    { by: 'citizen05', days: [17, 44, 71] },
    { by: 'citizen06', days: [20, 61, 88] },
    { by: 'citizen07', days: [23, 50, 79] },
    { by: 'citizen08', days: [26, 57, 92] },
    { by: 'citizen09', days: [29, 66, 85] },
    { by: 'citizen10', days: [33, 63, 97] },
    { by: 'citizen11', days: [36, 69, 93] },
  ],
  feedback: [
    { by: 'citizen01', kind: 'praise', happened: 'Très facile, merci !' },
    {
      by: 'citizen02',
      kind: 'question',
      step: 'items',
      happened: 'Un matelas de bébé, ça compte comme un matelas ?',
    },
    {
      by: 'citizen03',
      kind: 'problem',
      severity: 'minor',
      step: 'pickup',
      screenshot: true,
      triage: { status: 'fixed', after: 8 },
      tried: 'Choisir une date.',
      happened: 'Le calendrier ne s’ouvre pas sur mon téléphone.',
    },
    { by: 'citizen04', kind: 'praise', happened: 'Collecte passée le lendemain. Bravo.' },
    { by: 'citizen05', kind: 'question', step: 'items', happened: 'Do you take old tires?' },
    { by: 'citizen06', kind: 'praise', happened: 'Simple et rapide.' },
    { by: 'citizen08', kind: 'question', happened: 'Combien d’objets par collecte ?' },
    {
      by: 'citizen07',
      on: 1,
      kind: 'problem',
      severity: 'minor',
      step: 'pickup',
      triage: { status: 'acknowledged', after: 2 },
      happened: 'Le camion n’est pas passé dans la ruelle.',
    },
    {
      by: 'citizen10',
      on: 1,
      kind: 'question',
      step: 'items',
      happened: 'Can I leave a TV with the furniture?',
    },
    { by: 'citizen09', on: 1, kind: 'praise', happened: 'Mieux que d’appeler la Ville.' },
    { by: 'citizen11', on: 1, kind: 'praise', happened: 'Merci, super service.' },
  ],
};

export const DEMO_STORY: readonly StoryVariant[] = [
  SIGN_PERMIT,
  BULKY_WASTE_SMES,
  BULKY_WASTE_TESTERS,
];

/** Who filed, as the seed finds them: an SME's owner for the SME, or a citizen. */
export interface StoryFiler {
  accountId: string;
  organizationId: string | null;
  name: string;
  email: string;
  locale: 'fr' | 'en';
  phone: string;
  address: AddressAnswer;
  /** The SME filed for (business variant). */
  business: { legalName: string; neq: string } | null;
}

/** The signs of the sign permits filed, in turn. */
const SIGNS: Answers[] = [
  {
    signType: 'wall',
    signWidth: 3.6,
    signHeight: 0.9,
    illuminated: 'yes',
    lightingType: 'external',
    installedBy: 'installer',
  },
  {
    signType: 'projecting',
    signWidth: 0.9,
    signHeight: 0.9,
    clearanceHeight: 2.6,
    illuminated: 'no',
    installedBy: 'installer',
  },
  {
    signType: 'temporaryBanner',
    signWidth: 2.4,
    signHeight: 0.8,
    illuminated: 'no',
    installedBy: 'self',
  },
  { signType: 'window', signWidth: 1.2, signHeight: 0.6, illuminated: 'no', installedBy: 'self' },
];

/** The pickups asked for, in turn, by SMEs and by residents. */
const PICKUPS: Record<Audience, Answers[]> = {
  business: [
    {
      placement: 'driveway',
      wasteKinds: ['furniture'],
      approximateVolume: 4,
      notes: 'Anciens présentoirs et chaises de la salle de repos.',
    },
    {
      placement: 'lane',
      siteReference: 'Quai de chargement',
      wasteKinds: ['appliances', 'furniture'],
      approximateVolume: 6,
    },
    {
      placement: 'driveway',
      wasteKinds: ['debris', 'furniture'],
      approximateVolume: 8,
      debrisVolume: 3,
      containerNeeded: 'yes',
    },
    { placement: 'curb', wasteKinds: ['mattresses'], approximateVolume: 2.5 },
  ],
  citizen: [
    { placement: 'curb', wasteKinds: ['furniture'], approximateVolume: 1.5 },
    {
      placement: 'curb',
      wasteKinds: ['mattresses', 'furniture'],
      approximateVolume: 2,
      notes: 'Un matelas et une base de lit.',
    },
    {
      placement: 'driveway',
      wasteKinds: ['appliances'],
      approximateVolume: 1,
      notes: 'Réfrigérateur, portes retirées.',
    },
    { placement: 'curb', wasteKinds: ['branches'], approximateVolume: 3 },
  ],
};

/**
 * The demo's screenshots and mock-ups: a one-pixel PNG (what they show is not
 * the point; that the comparison counts them is).
 */
export const PLACEHOLDER_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** The file questions a story filing answers with the placeholder, by service. */
const STORY_FILES: Record<string, { field: string; filename: string }[]> = {
  'sign-permit': [{ field: 'signMockup', filename: 'maquette-enseigne.png' }],
};

const STREETS = ['rue des Érables', 'rue Saint-Joseph', 'avenue du Lac', 'rue des Pins'];

/** The `n`-th demo citizen's made-up home (from 1): a street of the town, a 555-01xx phone. */
export function residentHome(n: number): { address: AddressAnswer; phone: string } {
  return {
    address: {
      line1: `${10 + 7 * n}, ${STREETS[n % STREETS.length]}`,
      line2: '',
      city: 'Val-des-Cèdres',
      postalCode: `J9C 2K${n % 10}`,
    },
    phone: `819 555-01${String(n).padStart(2, '0')}`,
  };
}

const DAY = 86_400_000;
const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

/** The answers of the `n`-th filing of a variant, filed by `filer` at `at` (files aside). */
function answersFor(story: StoryVariant, filer: StoryFiler, n: number, at: number): Answers {
  const business: Answers = filer.business
    ? {
        businessName: filer.business.legalName,
        businessNeq: filer.business.neq,
        businessAddress: filer.address,
      }
    : {};
  const contact = { contactName: filer.name, contactEmail: filer.email, contactPhone: filer.phone };
  if (story.slug === 'sign-permit') {
    const sign = SIGNS[n % SIGNS.length];
    const name = filer.business?.legalName ?? filer.name;
    const installed = at + 14 * DAY;
    const banner = sign.signType === 'temporaryBanner';
    return {
      ...business,
      signAddress: filer.address,
      applicantIsOwner: 'yes',
      ...sign,
      signText: banner ? `Vente trottoir – ${name}` : name,
      installationDate: isoDay(installed),
      ...(banner ? { removalDate: isoDay(installed + 21 * DAY) } : {}),
      ...(sign.installedBy === 'installer'
        ? { installerName: 'Enseignes Boréal inc.', installerRbq: '5731-2468-01' }
        : {}),
      ...contact,
    };
  }
  const pickups = PICKUPS[story.variant];
  return {
    ...business,
    pickupAddress: filer.address,
    preferredDate: isoDay(at + 5 * DAY),
    ...pickups[n % pickups.length],
    ...contact,
  };
}

/** `day` days after `opened`, in office hours (8:00 to 14:00 in Quebec), spread by `n`. */
function officeHours(opened: number, day: number, n: number): number {
  const midnight = Math.floor((opened + day * DAY) / DAY) * DAY;
  return midnight + (13 * 60 + ((n * 47) % 360)) * 60_000;
}

type Status = 'submitted' | 'in_review' | 'approved';

/**
 * The rows the story writes, as their tables hold them (column names), for
 * `json_to_recordset`; an application's `prefix` gives its reference, and
 * every file holds PLACEHOLDER_PNG.
 */
export interface StoryRows {
  applications: {
    id: string;
    prefix: string;
    service_slug: string;
    variant: Audience;
    account_id: string;
    organization_id: string | null;
    status: Status;
    answers: Answers;
    channel: 'web' | 'api' | 'csv';
    idempotency_key: string | null;
    assigned_to: string | null;
    version: number;
    created_at: string;
    updated_at: string;
    submitted_at: string;
    decided_at: string | null;
  }[];
  transitions: {
    application_id: string;
    from_status: string;
    to_status: Status;
    actor_id: string;
    actor_role: 'applicant' | 'staff';
    at: string;
  }[];
  files: {
    id: string;
    application_id: string;
    field: string;
    filename: string;
    uploaded_by: string;
    created_at: string;
  }[];
  feedback: {
    id: string;
    service_slug: string;
    variant: Audience;
    stage: Stage;
    page: string | null;
    organization_id: string | null;
    account_id: string;
    language: 'fr' | 'en';
    user_agent: string;
    viewport: string;
    application_id: string;
    kind: FeedbackKind;
    severity: Severity | null;
    tried: string;
    happened: string;
    expected: string;
    consent_to_contact: boolean;
    status: FeedbackStatus;
    status_changed_at: string;
    created_at: string;
  }[];
  screenshots: { feedback_id: string; filename: string; created_at: string }[];
  /** Each triaged item's change of status, from new. */
  triage: {
    feedback_id: string;
    actor_id: string;
    to_status: FeedbackStatus;
    created_at: string;
  }[];
}

/** Residents send from their phones as often as not; SMEs from the office. */
const DESKTOP = {
  userAgent:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  viewport: '1920x1080',
};
const PHONE = {
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  viewport: '390x844',
};

const iso = (at: number) => new Date(at).toISOString();

/**
 * The rows the story writes, dated back from `now`: each filing submitted in
 * office hours, then taken up and decided by a clerk after its variant's
 * delays, where that time has come; each item of feedback given while filing
 * (from its step, 12 minutes before submitting) or after (from the
 * confirmation page, an hour later), then triaged by `staff.triager`.
 */
export function storyRows(
  now: number,
  filers: ReadonlyMap<string, StoryFiler>,
  staff: { clerks: string[]; triager: string },
  prefixOf: (slug: string) => string,
): StoryRows {
  const rows: StoryRows = {
    applications: [],
    transitions: [],
    files: [],
    feedback: [],
    screenshots: [],
    triage: [],
  };
  for (const story of DEMO_STORY) {
    const opened = now - story.openedDaysAgo * DAY;
    const filings = story.filings
      .flatMap(({ by, days, channel }) =>
        days.map((day) => ({ by, day, channel: channel ?? ('web' as const) })),
      )
      .sort((a, b) => a.day - b.day);
    /** Each filer's applications, in the order filed. */
    const filed = new Map<string, { id: string; submitted: number; web: boolean }[]>();
    for (const [n, filing] of filings.entries()) {
      const filer = filerOf(filers, filing.by);
      const submitted = officeHours(opened, filing.day, n);
      const started = filing.channel === 'web' ? submitted - 25 * 60_000 : submitted;
      const id = randomUUID();
      const answers = answersFor(story, filer, n, submitted);
      for (const file of STORY_FILES[story.slug] ?? []) {
        const fileId = randomUUID();
        rows.files.push({
          id: fileId,
          application_id: id,
          ...file,
          uploaded_by: filer.accountId,
          created_at: iso(started),
        });
        answers[file.field] = [
          {
            id: fileId,
            filename: file.filename,
            size: PLACEHOLDER_PNG.length,
            contentType: 'image/png',
          },
        ];
      }
      const clerk = staff.clerks[n % staff.clerks.length];
      const moves = (
        [
          ['draft', 'submitted', filer.accountId, 'applicant', submitted],
          ['submitted', 'in_review', clerk, 'staff', submitted + story.review * DAY],
          ['in_review', 'approved', clerk, 'staff', submitted + story.decide * DAY],
        ] as const
      ).filter(([, , , , at]) => at < now);
      const [, status, , , last] = moves[moves.length - 1];
      rows.applications.push({
        id,
        prefix: prefixOf(story.slug),
        service_slug: story.slug,
        variant: story.variant,
        account_id: filer.accountId,
        organization_id: filer.organizationId,
        status,
        answers,
        channel: filing.channel,
        idempotency_key: filing.channel === 'api' ? `pickup-${isoDay(submitted)}-${n}` : null,
        assigned_to: moves.length > 1 ? clerk : null,
        version: 1 + moves.length,
        created_at: iso(started),
        updated_at: iso(last),
        submitted_at: iso(submitted),
        decided_at: status === 'approved' ? iso(last) : null,
      });
      for (const [from, to, actor, role, at] of moves)
        rows.transitions.push({
          application_id: id,
          from_status: from,
          to_status: to,
          actor_id: actor,
          actor_role: role,
          at: iso(at),
        });
      const web = filing.channel === 'web';
      filed.set(filing.by, [...(filed.get(filing.by) ?? []), { id, submitted, web }]);
    }
    for (const [n, item] of story.feedback.entries()) {
      const filer = filerOf(filers, item.by);
      const application = filed.get(item.by)?.[item.on ?? 0];
      if (!application || (item.step && !application.web))
        throw new Error(`demo story: ${item.by} has no filing ${item.on ?? 0} on the pages`);
      const created = item.step
        ? application.submitted - 12 * 60_000
        : application.submitted + 60 * 60_000;
      const page = item.step ? `steps/${item.step}` : 'confirmation';
      const changed = item.triage ? Math.min(created + item.triage.after * DAY, now) : created;
      const id = randomUUID();
      const device = story.variant === 'citizen' && n % 2 === 0 ? PHONE : DESKTOP;
      rows.feedback.push({
        id,
        service_slug: story.slug,
        variant: story.variant,
        stage: story.stage,
        page: application.web ? `/applications/${application.id}/${page}` : null,
        organization_id: filer.organizationId,
        account_id: filer.accountId,
        language: filer.locale,
        user_agent: device.userAgent,
        viewport: device.viewport,
        application_id: application.id,
        kind: item.kind,
        severity: item.severity ?? null,
        tried: item.tried ?? '',
        happened: item.happened,
        expected: item.expected ?? '',
        consent_to_contact: item.consent ?? false,
        status: item.triage?.status ?? 'new',
        status_changed_at: iso(changed),
        created_at: iso(created),
      });
      if (item.screenshot)
        rows.screenshots.push({
          feedback_id: id,
          filename: filer.locale === 'fr' ? 'capture-ecran.png' : 'screenshot.png',
          created_at: iso(created),
        });
      if (item.triage)
        rows.triage.push({
          feedback_id: id,
          actor_id: staff.triager,
          to_status: item.triage.status,
          created_at: iso(changed),
        });
    }
  }
  return rows;
}

function filerOf(filers: ReadonlyMap<string, StoryFiler>, key: string): StoryFiler {
  const filer = filers.get(key);
  if (!filer) throw new Error(`demo story: no demo SME or citizen ${key}`);
  return filer;
}
