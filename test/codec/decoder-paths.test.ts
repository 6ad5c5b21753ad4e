/**
 * The decoder has two paths, a byte scanner for flat contract records and JSON.parse + the object validator for
 * everything else (src/codec/cdr-decoder.ts). They must give equal results, reasons, fields and dropped lists
 * included, on anything a switch or an attacker can send. The reference is the JSON.parse path, whose parsing is
 * the platform's; the scanner only ever adds speed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CDR_FIELDS,
  decodeCdr,
  encodeCdr,
  type Cdr,
  type DecodeOptions,
  type DecodeResult,
} from '../../src/codec/index.js';
import { ARBITRARY_NOW_MS, validCdr } from '../support/cdr-arbitraries.js';
import { decodeCdrByParsing } from '../../src/codec/cdr-decoder.js';
import { scanCdr } from '../../src/codec/cdr-scanner.js';

const NOW_MS = ARBITRARY_NOW_MS;
const options = { nowMs: NOW_MS };
const utf8 = new TextEncoder();

/** One `"key": value` member, both as raw JSON text. */
type Member = [key: string, value: string];

/** The canonical members of a CDR (what encodeCdr writes), in order. */
function typedMembers(cdr: Cdr): Member[] {
  const object = JSON.parse(new TextDecoder().decode(encodeCdr(cdr))) as Record<string, unknown>;
  return Object.entries(object).map(([key, value]) => [JSON.stringify(key), JSON.stringify(value)]);
}

/** The same members with every value a string, the way FreeSWITCH and mediation exports write them. */
function stringMembers(cdr: Cdr, startUnit: number, booleanWords: boolean): Member[] {
  return typedMembers(cdr).map(([key, value]): Member => {
    if (key === '"start"') {
      const ms = cdr.startMs;
      const epoch =
        startUnit === 0 && ms % 1000 === 0 ? String(ms / 1000) : startUnit === 2 ? `${ms}000` : String(ms);
      return [key, JSON.stringify(epoch)];
    }
    if (value === 'true' || value === 'false') {
      return [key, JSON.stringify(booleanWords ? value.toUpperCase() : value === 'true' ? '1' : '0')];
    }
    return [key, value.startsWith('"') ? value : JSON.stringify(value)];
  });
}

const spaces = fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n  ');

function render(members: readonly Member[], gaps: readonly string[]): string {
  const gap = (i: number): string => gaps[i % gaps.length] ?? '';
  let text = `${gap(0)}{`;
  members.forEach(([key, value], i) => {
    text += `${i > 0 ? ',' : ''}${gap(i + 1)}${key}${gap(i + 2)}:${gap(i + 3)}${value}${gap(i + 4)}`;
  });
  return `${text}}${gap(members.length + 5)}`;
}

const CONTRACT_KEYS: string[] = Object.values(CDR_FIELDS);

const awkwardTexts = fc.constantFrom(
  '',
  ' ',
  '16',
  '016',
  '16.0',
  '+16',
  '-0',
  '1e3',
  'true',
  'FALSE',
  '1',
  '0',
  'yes',
  'InBound',
  'ınbound',
  '2024-06-01T10:00:00Z',
  '2024-06-01T10:00:00',
  '2024-06-01 10:00:00.123456+05:30',
  '1717236000',
  '1717236000000000',
  '99999999999999999',
  '+2348012345678',
  '2348012345678',
  '+234ABC',
  '621301234567890',
  'é',
  'a"b',
  'a\\b',
  '\u0000',
  '\u007f',
  '\u0085',
  '😀',
  '\ud800',
  ' x ',
  'x'.repeat(65),
  '9'.repeat(40),
);

const numberTokens = fc.constantFrom(
  '1e3',
  '-0',
  '16.0',
  '1E2',
  '0.5',
  '-1',
  '0',
  '127',
  '128',
  '86400',
  '86401',
  '1717236000',
  '1717236000000',
  '1717236000000000',
  '123456789012345678901234567890',
  '2348012345678',
  '-0.0',
  '1e400',
  '5e-324',
  '0e0',
  '00',
  '01',
  '-',
  '1.',
  '.5',
  '+1',
  'NaN',
);

/** Raw JSON text for one value: well-formed mostly, broken now and then. */
const anyValue: fc.Arbitrary<string> = fc.oneof(
  awkwardTexts.map((text) => JSON.stringify(text)),
  fc.string({ maxLength: 24 }).map((text) => JSON.stringify(text)),
  fc.string({ maxLength: 12, unit: 'grapheme' }).map((text) => JSON.stringify(text)),
  fc.string({ unit: fc.constantFrom(...'0123456789+-.eE :TZ'), maxLength: 24 }).map((t) => JSON.stringify(t)),
  numberTokens,
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc.constantFrom('true', 'false', 'null', 'tru', 'nul', '"unterminated', '"\\u0041"', '"\\ud83d\\ude00"'),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
);

const anyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...CONTRACT_KEYS).map((key) => JSON.stringify(key)),
  fc.constantFrom(...CONTRACT_KEYS.slice(5)).map((key) => JSON.stringify(key)),
  fc.constantFrom('"call\\u005fid"', '"clé"', '""', '"CALLER"', '"cause "', '"start\\n"', 'caller'),
  fc.string({ maxLength: 10 }).map((key) => JSON.stringify(key)),
);

/** A record built from a valid CDR in either spelling, then changed: values replaced, members added (so keys
 *  repeat), order shuffled, whitespace between tokens. */
const recordText: fc.Arbitrary<string> = fc
  .tuple(
    validCdr,
    fc.boolean(),
    fc.integer({ min: 0, max: 2 }),
    fc.boolean(),
    fc.array(fc.tuple(fc.nat(), anyValue, fc.constantFrom(true, true, true, false)), { maxLength: 3 }),
    fc.array(fc.tuple(anyKey, anyValue), { maxLength: 3 }),
    fc.boolean(),
    fc.array(spaces, { minLength: 1, maxLength: 6 }),
  )
  .chain(([cdr, strings, startUnit, words, replacements, extras, shuffle, gaps]) => {
    const members = strings ? stringMembers(cdr, startUnit, words) : typedMembers(cdr);
    for (const [at, value, optionalOnly] of replacements) {
      // Most changes spare the five required fields (the first members), so that records survive
      // and the scanner's reading of optional fields gets exercised too.
      const index =
        optionalOnly && members.length > 5 ? 5 + (at % (members.length - 5)) : at % members.length;
      const member = members[index];
      if (member !== undefined) member[1] = value;
    }
    members.push(...extras);
    const ordered = shuffle
      ? fc.shuffledSubarray(members, { minLength: members.length })
      : fc.constant(members);
    return ordered.map((list) => render(list, gaps));
  });

/** Bytes as a producer might really send them, or damaged: cut short, a byte changed, invalid UTF-8 added. */
const messageBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    recordText,
    fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'truncate', 'flip', 'insert'),
    fc.nat(),
    fc.oneof(
      fc.integer({ min: 0, max: 255 }).map((byte) => [byte]),
      fc.constantFrom(
        [0xff],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xe2, 0x82],
        [0xf4, 0x90, 0x80, 0x80],
        [0xef, 0xbb, 0xbf],
      ),
    ),
  )
  .map(([text, damage, where, inserted]) => {
    const bytes = utf8.encode(text);
    const at = bytes.length === 0 ? 0 : where % bytes.length;
    if (damage === 'truncate') return bytes.subarray(0, at);
    if (damage === 'flip') {
      const copy = Uint8Array.from(bytes);
      copy[at] = inserted[0] ?? 0;
      return copy;
    }
    if (damage === 'insert')
      return Uint8Array.of(...bytes.subarray(0, at), ...inserted, ...bytes.subarray(at));
    return bytes;
  });

function expectSamePaths(bytes: Uint8Array, decodeOptions: DecodeOptions = options): DecodeResult {
  const fast = decodeCdr(bytes, decodeOptions);
  const reference = decodeCdrByParsing(bytes, decodeOptions);
  expect(fast).toEqual(reference);
  // The same field order too: the engine's records then share one object shape.
  if (fast.ok && reference.ok) expect(Object.keys(fast.cdr)).toEqual(Object.keys(reference.cdr));
  return fast;
}

describe('the byte scanner and the JSON.parse path agree', () => {
  it('on valid, string-typed, reordered, extended, damaged records (reasons, fields and drops)', () => {
    fc.assert(
      fc.property(messageBytes, (bytes) => {
        expectSamePaths(bytes);
      }),
      { numRuns: 4_000 },
    );
  });

  it('on arbitrary bytes, and with a small size limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, small) => {
        expectSamePaths(bytes, small ? { ...options, maxBytes: 64 } : options);
      }),
      { numRuns: 2_000 },
    );
  });

  it('takes the fast path for every valid flat record without escapes', () => {
    fc.assert(
      fc.property(validCdr, fc.boolean(), fc.integer({ min: 0, max: 2 }), (cdr, strings, startUnit) => {
        const members = strings ? stringMembers(cdr, startUnit, true) : typedMembers(cdr);
        const bytes = utf8.encode(render(members, ['']));
        if (bytes.includes(0x5c)) return; // an escape: JSON.parse's job
        expect(scanCdr(bytes, options)).toEqual(decodeCdrByParsing(bytes, options));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('string-typed records', () => {
  it('decode to the same result as their typed twins', () => {
    fc.assert(
      fc.property(
        validCdr,
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        fc.array(spaces, { minLength: 1, maxLength: 4 }),
        (cdr, startUnit, words, gaps) => {
          const typed = decodeCdr(utf8.encode(render(typedMembers(cdr), gaps)), options);
          const strings = decodeCdr(utf8.encode(render(stringMembers(cdr, startUnit, words), gaps)), options);
          expect(typed).toEqual({ ok: true, cdr, dropped: [] });
          expect(strings).toEqual(typed);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
