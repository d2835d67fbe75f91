import { Type } from '@sinclair/typebox';

/**
 * The optional Idempotency-Key header: 1 to 64 printable ASCII characters. Node has already trimmed
 * surrounding spaces; anything else (control bytes, non-ASCII, too long, empty) is a VALIDATION_ERROR.
 */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x20-\\x7E]+$' })),
});
