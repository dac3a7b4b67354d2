/**
 * The value of a field a message does not carry: the field's default when it has one (the very
 * object, shared), otherwise the zero value of its type — false, 0, '', the shared empty Buffer for
 * bytes and records, the all-zero UUID, and a fresh [] or {} for arrays and structs.
 *
 * Decoding gives it to the fields a version lacks (and to tagged fields that were not sent);
 * encoding writes it for a field the message leaves undefined, and a tagged field equal to it is
 * not written at all.
 */
import type { FieldDef, FieldType } from './schema.js';

export const EMPTY_BYTES = Buffer.alloc(0);

/** Sixteen zero bytes in Kafka's text form for UUIDs (URL-safe base64, no padding). */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function absentValue(def: FieldDef): unknown {
  if (def.default !== undefined) return def.default;
  return zeroValue(def.type);
}

function zeroValue(type: FieldType): unknown {
  if (typeof type !== 'string') return type.kind === 'array' ? [] : {};
  switch (type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
    case 'records':
      return EMPTY_BYTES;
    case 'uuid':
      return ZERO_UUID;
    default:
      return 0;
  }
}
