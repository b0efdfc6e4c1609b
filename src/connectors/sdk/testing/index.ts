// The connector testing kit: the conformance suite, the fake PSP server, its pagination helpers, spec checks and the in-memory task-tree walker.
export * from './checks.js';
export * from './conformance.js';
export * from './fake-psp.js';
export * from './pagination.js';
export * from './walk.js';
export { generateCertificates, type TestCertificates, type KeyPair } from './certificates.js';
export * from './psp-spec.js';
export * from './capture.js';
