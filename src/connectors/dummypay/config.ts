// Install-time config of DummyPay: the directory holding the fake PSP's JSON files.
import { z } from 'zod';

export const dummyPayConfig = z.object({
  directory: z.string().min(1),
});

export type DummyPayConfig = z.infer<typeof dummyPayConfig>;
