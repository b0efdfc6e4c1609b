// The suite's smallest call, as `paybridge connector new` scaffolds it: it type-checks, and with `todo` every case is a todo.
import { describeConformance } from './index.js';

// No connector "acme" is registered: with `todo: true` nothing runs, so nothing needs it yet.
describeConformance({
  provider: 'acme',
  config: (psp) => ({ apiKey: 'test-key', endpoint: psp.url }),
  todo: true,
});
