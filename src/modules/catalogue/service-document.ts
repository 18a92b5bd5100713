import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { projectPath } from '../../platform/project-path.js';
import type { DefinitionProblem } from './form-problems.js';
import { locatedDefinitionProblems, type ServiceDefinition } from './service-definition.js';

/**
 * A service as a JSON document: one revision of one service, in the format
 * the repo keeps (services/), the studio exports and imports, validated by the
 * schema published in docs/service-definition.schema.json (ADR 0029).
 */
export interface ServiceDocument {
  $schema?: string;
  format: typeof SERVICE_DOCUMENT_FORMAT;
  formatVersion: typeof SERVICE_DOCUMENT_FORMAT_VERSION;
  revision: number;
  service: ServiceDefinition;
}

export const SERVICE_DOCUMENT_FORMAT = 'guichet-service';
export const SERVICE_DOCUMENT_FORMAT_VERSION = 1;

/** A problem with a document: the JSON pointer of the part at fault, and what is wrong. */
export type ServiceDocumentProblem = DefinitionProblem;

export type ServiceDocumentCheck =
  | { ok: true; document: ServiceDocument; definition: ServiceDefinition }
  | { ok: false; problems: ServiceDocumentProblem[] };

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(
    readFileSync(projectPath('docs/service-definition.schema.json'), 'utf8'),
  ) as object;
  // strictTypes off: the schema's per-type rules (if/then) name properties
  // without repeating `type: object`, as JSON Schema allows.
  const ajv = new Ajv2020({ allErrors: true, strictTypes: false });
  addFormats.default(ajv, ['regex']);
  validator = ajv.compile(schema);
  return validator;
}

/**
 * Checks a service document: first against the JSON Schema (its shape), then,
 * when the shape is sound, the rules a schema cannot state (unique names,
 * conditions naming earlier fields, the business variant keeping all of the
 * citizen one…). Every problem has the JSON pointer of the part at fault.
 */
export function validateServiceDocument(json: unknown): ServiceDocumentCheck {
  const validate = schemaValidator();
  if (!validate(json)) return { ok: false, problems: schemaProblems(validate.errors ?? []) };
  const document = json as ServiceDocument;
  const problems = locatedDefinitionProblems(document.service).map((p) => ({
    pointer: `/service${p.pointer}`,
    message: p.message,
  }));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, document, definition: document.service };
}

/** Ajv's errors as problems a designer can act on, without the schema's plumbing. */
function schemaProblems(errors: ErrorObject[]): ServiceDocumentProblem[] {
  const problems: ServiceDocumentProblem[] = [];
  // A question whose settings break its type's rules has those settings
  // reported "not part of the format" as well (a failed rule evaluates
  // nothing): keep only the real error for that question.
  const inner = errors.filter((e) => !['if', 'allOf', 'unevaluatedProperties'].includes(e.keyword));
  const masked = (e: ErrorObject) =>
    e.keyword === 'unevaluatedProperties' &&
    inner.some(
      (o) => o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`),
    );
  for (const error of errors.filter((e) => !masked(e))) {
    const problem = schemaProblem(error);
    if (!problem) continue;
    if (!problems.some((p) => p.pointer === problem.pointer && p.message === problem.message))
      problems.push(problem);
  }
  return problems;
}

function schemaProblem(error: ErrorObject): ServiceDocumentProblem | undefined {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    // Reported by the rule inside them.
    case 'if':
    case 'allOf':
      return undefined;
    case 'required':
      return { pointer: `${at}/${escape(String(params.missingProperty))}`, message: 'is missing' };
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(params.additionalProperty ?? params.unevaluatedProperty);
      return {
        pointer: `${at}/${escape(name)}`,
        message: `“${name}” is not part of the format here`,
      };
    }
    case 'enum':
      return {
        pointer: at,
        message: `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { pointer: at, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern':
      return error.schemaPath.endsWith('/fr/pattern') || error.schemaPath.endsWith('/en/pattern')
        ? { pointer: at, message: 'must not be blank' }
        : { pointer: at, message: `must match ${String(params.pattern)}` };
    default:
      return { pointer: at, message: error.message ?? error.keyword };
  }
}

/** A property name as a JSON pointer segment (RFC 6901). */
function escape(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
