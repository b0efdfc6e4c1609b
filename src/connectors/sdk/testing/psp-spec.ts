// Checks fixtures and recorded requests against a PSP's published OpenAPI (3.0, 3.1) or Swagger 2.0 document, read from ../shared/psp-specs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { FakeRequest } from './fake-psp.js';

/**
 * Where the PSPs' documents live: PAYBRIDGE_PSP_SPECS, else `shared/psp-specs` next to the repository
 * root (`../shared/psp-specs`) or next to one of its ancestors (a worktree under a parent checkout).
 * Undefined when there is none: spec checks are then skipped with a message, never passed.
 */
export function pspSpecsRoot(): string | undefined {
  const fromEnv = process.env.PAYBRIDGE_PSP_SPECS;
  if (fromEnv) return existsSync(fromEnv) ? resolve(fromEnv) : undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'psp-specs');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The document of a provider (`stripe/spec3.yaml`); the only one in its folder when `file` is left out. */
export function pspSpecPath(provider: string, file?: string): string | undefined {
  const root = pspSpecsRoot();
  if (!root) return undefined;
  const folder = join(root, provider);
  if (!existsSync(folder)) return undefined;
  if (file) return existsSync(join(folder, file)) ? join(folder, file) : undefined;
  const documents = readdirSync(folder).filter((name) => /\.(ya?ml|json)$/.test(name));
  return documents.length === 1 && documents[0] ? join(folder, documents[0]) : undefined;
}

type Json = Record<string, unknown>;
type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch';
const METHODS: readonly HttpMethod[] = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** A request as a test recorded it (the fake PSP's FakeRequest fits). */
export interface SpecRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** The body: parsed JSON, or a form as URLSearchParams, or undefined. */
  body?: unknown;
}

export interface SpecOperation {
  template: string;
  method: HttpMethod;
  operation: Json;
  /** Path-level parameters followed by the operation's own. */
  parameters: Json[];
}

const documents = new Map<string, Promise<PspSpec>>();

/** Loads (once per process: the documents are large) and indexes a PSP's document. */
export function loadPspSpec(path: string): Promise<PspSpec> {
  let loaded = documents.get(path);
  if (!loaded) {
    loaded = readFile(path, 'utf8').then(
      (text) =>
        new PspSpec(
          path.endsWith('.json')
            ? (JSON.parse(text) as Json)
            : (parseYaml(text, { maxAliasCount: -1 }) as Json),
        ),
    );
    documents.set(path, loaded);
  }
  return loaded;
}

export class PspSpec {
  readonly version: '2.0' | '3.0' | '3.1';
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly paths: { template: string; regex: RegExp; names: string[]; item: Json }[];

  constructor(private readonly document: Json) {
    const declared = String(document.openapi ?? document.swagger ?? '');
    this.version = declared.startsWith('2') ? '2.0' : declared.startsWith('3.1') ? '3.1' : '3.0';
    // OpenAPI 3.1 schemas are JSON Schema 2020-12; 3.0 and Swagger 2.0 are close to draft 4/7.
    const options = { strict: false, allErrors: true, validateSchema: false, logger: false } as const;
    this.ajv = this.version === '3.1' ? (new Ajv2020(options) as unknown as Ajv) : new Ajv(options);
    addFormats.default(this.ajv);
    const shared =
      this.version === '2.0' ? { definitions: document.definitions } : { components: document.components };
    this.ajv.addSchema(this.version === '3.1' ? shared : (toJsonSchema(shared) as Json), 'spec');
    // OpenAPI 3.1 `webhooks` (what the PSP sends, keyed by name: Adyen's are `/AUTHORISATION`, …) are
    // indexed as operations too, so their bodies can be checked like requests.
    const operations = {
      ...((document.webhooks ?? {}) as Record<string, Json>),
      ...((document.paths ?? {}) as Record<string, Json>),
    };
    this.paths = Object.entries(operations).map(([template, item]) => {
      const names: string[] = [];
      const source = template
        .replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`))
        .replace(/\{([^}]+)\}/g, (_m, name: string) => {
          names.push(name);
          return '([^/]+)';
        });
      return { template, regex: new RegExp(`^${source}/?$`), names, item };
    });
    // Literal paths win over templated ones (`/v1/accounts/me` before `/v1/accounts/{id}`).
    this.paths.sort((a, b) => a.names.length - b.names.length);
  }

  /** The operation a method and a concrete path (no query) fall under, or undefined. */
  operation(method: string, fullPath: string): SpecOperation | undefined {
    const verb = method.toLowerCase() as HttpMethod;
    if (!METHODS.includes(verb)) return undefined;
    const path = this.withoutBase(fullPath);
    for (const entry of this.paths) {
      if (!entry.regex.test(path)) continue;
      const operation = entry.item[verb] as Json | undefined;
      if (!operation) continue;
      const parameters = [
        ...((entry.item.parameters ?? []) as Json[]),
        ...((operation.parameters ?? []) as Json[]),
      ].map((p) => this.deref(p));
      return { template: entry.template, method: verb, operation, parameters };
    }
    return undefined;
  }

  /** A request's path as the document's `paths` write it: without Swagger's basePath or a server URL's path. */
  private withoutBase(path: string): string {
    const servers = (this.document.servers ?? []) as { url?: string }[];
    const base = this.version === '2.0' ? String(this.document.basePath ?? '') : serverPath(servers[0]?.url);
    const prefix = base.replace(/\/+$/, '');
    return prefix && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
  }

  /**
   * Problems of a response body against the operation's schema for that status (or `default`), as
   * lines naming the field; empty when it conforms.
   */
  validateResponse(
    method: string,
    path: string,
    status: number,
    body: unknown,
    contentType = 'application/json',
  ): string[] {
    const found = this.operation(method, path);
    if (!found) return [`the document has no operation ${method.toUpperCase()} ${path}`];
    const responses = (found.operation.responses ?? {}) as Record<string, Json>;
    const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!response) return [`${found.method.toUpperCase()} ${found.template} documents no ${status} response`];
    const resolved = this.deref(response);
    const schema =
      this.version === '2.0'
        ? resolved.schema
        : ((resolved.content ?? {}) as Record<string, Json>)[contentType]?.schema;
    if (schema === undefined) return [];
    const pointer = `${found.template} ${found.method} ${status} ${contentType}`;
    const validate = this.validator(pointer, schema);
    return validate(body)
      ? []
      : (validate.errors ?? []).map(
          (e) =>
            `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${String(e.params.allowedValues)})` : ''}`,
        );
  }

  /**
   * Problems of a request body against the full schema of the operation's requestBody (every field, not
   * only the required ones `validateRequest` checks), as lines naming the field; empty when it conforms.
   * For documents that model what the PSP sends (Adyen's Webhooks-v1: one POST per event code).
   */
  validateRequestBody(
    method: string,
    path: string,
    body: unknown,
    contentType = 'application/json',
  ): string[] {
    const found = this.operation(method, path);
    if (!found) return [`the document has no operation ${method.toUpperCase()} ${path}`];
    if (this.version === '2.0') return ['validateRequestBody reads OpenAPI 3 requestBody only'];
    if (!found.operation.requestBody)
      return [`${found.method.toUpperCase()} ${found.template} takes no body`];
    const content = (this.deref(found.operation.requestBody as Json).content ?? {}) as Record<string, Json>;
    const schema = content[contentType]?.schema;
    if (schema === undefined)
      return [`${found.method.toUpperCase()} ${found.template} takes no ${contentType} body`];
    const validate = this.validator(`${found.template} ${found.method} request ${contentType}`, schema);
    return validate(body)
      ? []
      : (validate.errors ?? []).map(
          (e) =>
            `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${String(e.params.allowedValues)})` : ''}`,
        );
  }

  /** Problems of a request against its operation: the path and method, required path, query and header parameters, and required body fields. */
  validateRequest(request: SpecRequest): string[] {
    const found = this.operation(request.method, request.path);
    if (!found) return [`the document has no operation ${request.method.toUpperCase()} ${request.path}`];
    const problems: string[] = [];
    const entry = this.paths.find((p) => p.template === found.template);
    const values = entry?.regex.exec(this.withoutBase(request.path));
    for (const parameter of found.parameters) {
      const name = String(parameter.name);
      const where = String(parameter.in);
      if (where === 'path') {
        const index = entry?.names.indexOf(name) ?? -1;
        if (index < 0 || !values?.[index + 1]) problems.push(`path parameter ${name} is empty`);
      } else if (parameter.required === true && where === 'query') {
        // deepObject parameters arrive as name[key]=…
        if (!request.query.has(name) && ![...request.query.keys()].some((key) => key.startsWith(`${name}[`)))
          problems.push(`query parameter ${name} is required`);
      } else if (parameter.required === true && where === 'header') {
        if (request.headers[name.toLowerCase()] === undefined) problems.push(`header ${name} is required`);
      } else if (where === 'body' && this.version === '2.0') {
        problems.push(
          ...this.requiredFields(
            this.deref((parameter.schema ?? {}) as Json),
            request.body,
            parameter.required === true,
          ),
        );
      } else if (parameter.required === true && where === 'formData') {
        if (!(request.body instanceof URLSearchParams) || !request.body.has(name))
          problems.push(`form field ${name} is required`);
      }
    }
    if (this.version !== '2.0' && found.operation.requestBody) {
      const body = this.deref(found.operation.requestBody as Json);
      const content = (body.content ?? {}) as Record<string, Json>;
      const type =
        request.headers['content-type']?.split(';')[0]?.trim() ??
        Object.keys(content)[0] ??
        'application/json';
      const media = content[type];
      if (!media && request.body !== undefined)
        problems.push(`the operation takes no ${type} body (${Object.keys(content).join(', ')})`);
      else if (media)
        problems.push(
          ...this.requiredFields(
            this.deref((media.schema ?? {}) as Json),
            request.body,
            body.required === true,
          ),
        );
    }
    return problems;
  }

  private requiredFields(schema: Json, body: unknown, required: boolean): string[] {
    if (body === undefined || body === null) return required ? ['the request body is required'] : [];
    const has = (field: string) =>
      body instanceof URLSearchParams
        ? body.has(field) || [...body.keys()].some((k) => k.startsWith(`${field}[`))
        : typeof body === 'object' && field in (body as Json);
    const fields = (schema.required ?? []) as string[];
    return fields.filter((field) => !has(field)).map((field) => `body field ${field} is required`);
  }

  /** Follows a local `$ref` (`#/components/...`, `#/definitions/...`, `#/parameters/...`). */
  private deref(value: Json): Json {
    let current = value;
    for (let hops = 0; typeof current.$ref === 'string' && hops < 20; hops++) {
      const target = String(current.$ref)
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>(
          (node, part) => (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
          this.document,
        );
      if (target === undefined) throw new Error(`unresolved $ref ${String(current.$ref)}`);
      current = target as Json;
    }
    return current;
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      const local = rebase(this.version === '3.1' ? schema : toJsonSchema(schema));
      validate = this.ajv.compile(local as Json);
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/** The path of a server URL (`https://api.psp.com/v2` → `/v2`); a templated host still has one. */
function serverPath(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url.replace(/\{[^}]*\}/g, 'x'), 'http://server.invalid').pathname;
  } catch {
    return '';
  }
}

/** Points an operation schema's local refs at the shared document (`#/components/…` → `spec#/components/…`). */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#') ? `spec${value}` : rebase(value),
    ]),
  );
}

/**
 * OpenAPI 3.0 and Swagger 2.0 schemas as JSON Schema: `nullable: true` (and `x-nullable`) become "or
 * null", and draft 4's boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers. Skips `example`
 * values, which are data.
 */
const NAMED_SCHEMAS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'schemas']);

function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'x-nullable' || key === 'example' || key === 'examples') continue;
    if (key === 'enum' || key === 'required' || key === 'default') out[key] = value;
    else if (NAMED_SCHEMAS.has(key) && typeof value === 'object' && value !== null) {
      // A map of names to schemas: a property may well be called `example` or `nullable`.
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub)]));
    } else out[key] = toJsonSchema(value);
  }
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof source[flag] === 'boolean') {
      if (source[flag] === true && typeof source[bound] === 'number') {
        out[flag] = source[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  if (source.nullable === true || source['x-nullable'] === true) {
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

/** A request the fake PSP recorded, as the spec checks read it: JSON or form body, parsed. */
export function specRequestOf(request: FakeRequest): SpecRequest {
  const type = request.headers['content-type'] ?? '';
  let body: unknown;
  if (request.body.length > 0) {
    if (type.includes('application/x-www-form-urlencoded')) body = request.form();
    else {
      try {
        body = request.json();
      } catch {
        body = request.text();
      }
    }
  }
  return {
    method: request.method,
    path: request.path,
    query: request.query,
    headers: request.headers,
    ...(body === undefined ? {} : { body }),
  };
}

/** Every recorded request checked against the document: one line per problem, naming the request. */
export function recordedRequestProblems(spec: PspSpec, requests: readonly FakeRequest[]): string[] {
  return requests.flatMap((request) =>
    spec
      .validateRequest(specRequestOf(request))
      .map((problem) => `${request.method} ${request.target}: ${problem}`),
  );
}
