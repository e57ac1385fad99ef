/**
 * The few bits of protobuf's wire format the CRI client needs: a message is
 * a run of (field number, wire type) keys, each followed by a varint, a
 * fixed 32/64-bit value or a length-delimited run of bytes (strings, nested
 * messages, map entries). Unknown fields are kept as they come, so a newer
 * engine adding fields does not break the reader.
 */

/** Field is one key/value of a message; `bytes` for length-delimited fields, `int` for varints. */
export interface Field {
  no: number;
  wire: 0 | 1 | 2 | 5;
  int?: bigint;
  bytes?: Buffer;
}

function varint(buf: Buffer, at: number): [bigint, number] {
  let v = 0n;
  for (let shift = 0n, i = at; i < buf.length && shift < 70n; i++, shift += 7n) {
    v |= BigInt(buf[i] & 0x7f) << shift;
    if (!(buf[i] & 0x80)) return [v, i + 1];
  }
  throw new Error(`protobuf: truncated varint at byte ${at}`);
}

/** decode splits one message into its fields, in order; a truncated or malformed message throws. */
export function decode(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = varint(buf, at);
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    at = next;
    if (wire === 0) {
      const [v, after] = varint(buf, at);
      out.push({ no, wire, int: v });
      at = after;
    } else if (wire === 2) {
      const [len, after] = varint(buf, at);
      const end = after + Number(len);
      if (end > buf.length) throw new Error(`protobuf: field ${no} runs past the message (${end} > ${buf.length})`);
      out.push({ no, wire, bytes: buf.subarray(after, end) });
      at = end;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (at + size > buf.length) throw new Error(`protobuf: field ${no} runs past the message`);
      out.push({ no, wire, bytes: buf.subarray(at, at + size) });
      at += size;
    } else {
      throw new Error(`protobuf: wire type ${wire} of field ${no} is not one this reader knows`);
    }
  }
  return out;
}

/** strings are the values of every length-delimited field `no`, as UTF-8. */
export function strings(fields: Field[], no: number): string[] {
  return fields.filter((f) => f.no === no && f.wire === 2).map((f) => f.bytes!.toString('utf8'));
}

/** messages are every length-delimited field `no`, decoded as nested messages. */
export function messages(fields: Field[], no: number): Field[][] {
  return fields.filter((f) => f.no === no && f.wire === 2).map((f) => decode(f.bytes!));
}

/** bool is the last varint field `no` as a boolean (proto3: absent is false). */
export function bool(fields: Field[], no: number): boolean {
  const last = fields.filter((f) => f.no === no && f.wire === 0).pop();
  return Boolean(last?.int);
}

/** map reads a map<string, string> field: repeated entries with key 1 and value 2. */
export function stringMap(fields: Field[], no: number): Record<string, string> {
  return Object.fromEntries(messages(fields, no).map((e) => [strings(e, 1).pop() ?? '', strings(e, 2).pop() ?? '']));
}

/** encodeBool is the one field a request needs here: `no` = true (proto3 drops false). */
export function encodeBool(no: number, value: boolean): Buffer {
  return value ? Buffer.from([(no << 3) | 0, 1]) : Buffer.alloc(0);
}
