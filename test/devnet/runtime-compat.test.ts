// The dev chain's runtime against the real Hippius runtime (spec 9105): the parts of the
// metadata that clients decode and sign with must match type for type. Types are compared
// structurally (each side resolved in its own lookup), so the check does not depend on type ids.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { WsProvider } from '@polkadot/api';
import { Metadata, TypeRegistry } from '@polkadot/types';
import type { PortableRegistry } from '@polkadot/types/metadata';
import type {
  MetadataV14,
  MetadataV15,
  PalletMetadataV14,
  SiField,
  SiType,
  SignedExtensionMetadataV14,
  StorageEntryMetadataV14,
} from '@polkadot/types/interfaces';
import { compactFromU8a, hexToU8a, u8aEq, u8aToHex } from '@polkadot/util';
import { startDevnet, type Devnet } from '../../src/devnet/node';

const REAL_METADATA_PATH = path.resolve(__dirname, '../../../shared/hippius/metadata-spec9105.scale');
const SKIP_MESSAGE = '…/shared/hippius/metadata-spec9105.scale is absent: compatibility with the real runtime was not checked';

/** Outer runtime enums: the dev runtime has fewer pallets, so these are equal when their paths are. */
const OPAQUE_PATHS = new Set(['hippius_mainnet_runtime::RuntimeCall', 'hippius_mainnet_runtime::RuntimeEvent', 'hippius_mainnet_runtime::RuntimeError']);

const EXPECTED_PALLET_INDICES: Record<string, number> = {
  System: 1,
  Timestamp: 2,
  Sudo: 3,
  Balances: 6,
  TransactionPayment: 7,
  Utility: 31,
  Proxy: 44,
  ContainerRegistry: 69,
};

// ---------------------------------------------------------------------------------------------
// Structural type comparison

interface Side {
  label: string;
  lookup: PortableRegistry;
}

type Pallet = PalletMetadataV14;

const pathOf = (type: SiType) => type.path.map((segment) => segment.toString()).join('::');
const optText = (value: { isSome: boolean; unwrap(): { toString(): string } }) => (value.isSome ? value.unwrap().toString() : null);

/** A short human name for a type, for messages. */
function typeName(lookup: PortableRegistry, id: number, depth = 0): string {
  const type = lookup.getSiType(id);
  const p = pathOf(type);
  const def = type.def;
  if (depth > 3) return '…';
  if (p) {
    const params = type.params.filter((x) => x.type.isSome).map((x) => typeName(lookup, x.type.unwrap().toNumber(), depth + 1));
    return `${p}${params.length ? `<${params.join(', ')}>` : ''}`;
  }
  switch (def.type) {
    case 'Primitive':
      return def.asPrimitive.type.toLowerCase();
    case 'Sequence':
      return `Vec<${typeName(lookup, def.asSequence.type.toNumber(), depth + 1)}>`;
    case 'Array':
      return `[${typeName(lookup, def.asArray.type.toNumber(), depth + 1)}; ${def.asArray.len.toNumber()}]`;
    case 'Tuple':
      return `(${def.asTuple.map((x) => typeName(lookup, x.toNumber(), depth + 1)).join(', ')})`;
    case 'Compact':
      return `Compact<${typeName(lookup, def.asCompact.type.toNumber(), depth + 1)}>`;
    default:
      return `<${def.type} #${id}>`;
  }
}

/**
 * Compares types of two lookups structurally, recording readable differences. A pair already
 * under comparison counts as equal, which both memoises and stops cycles.
 */
class TypeComparator {
  readonly diffs: string[] = [];
  readonly #seen = new Set<string>();

  constructor(
    readonly a: Side,
    readonly b: Side,
    readonly opaquePaths: ReadonlySet<string> = new Set(),
  ) {}

  #describe(aId: number, bId: number): string {
    return `${this.a.label} ${typeName(this.a.lookup, aId)} vs ${this.b.label} ${typeName(this.b.lookup, bId)}`;
  }

  compare(aId: number, bId: number, where: string): void {
    const key = `${aId}:${bId}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    const ta = this.a.lookup.getSiType(aId);
    const tb = this.b.lookup.getSiType(bId);
    const pa = pathOf(ta);
    const pb = pathOf(tb);
    if (this.opaquePaths.has(pa) || this.opaquePaths.has(pb)) {
      if (pa !== pb) this.diffs.push(`${where}: type path ${this.a.label} ${pa || '(none)'} vs ${this.b.label} ${pb || '(none)'}`);
      return;
    }
    const kind = ta.def.type;
    if (kind !== tb.def.type) {
      this.diffs.push(`${where}: ${kind} vs ${tb.def.type} (${this.#describe(aId, bId)})`);
      return;
    }
    if ((kind === 'Composite' || kind === 'Variant') && pa !== pb) {
      this.diffs.push(`${where}: type path ${this.a.label} ${pa || '(none)'} vs ${this.b.label} ${pb || '(none)'}`);
    }
    switch (kind) {
      case 'Primitive': {
        const x = ta.def.asPrimitive.type;
        const y = tb.def.asPrimitive.type;
        if (x !== y) this.diffs.push(`${where}: primitive ${this.a.label} ${x} vs ${this.b.label} ${y}`);
        break;
      }
      case 'Composite':
        this.compareFields(ta.def.asComposite.fields, tb.def.asComposite.fields, where);
        break;
      case 'Variant':
        this.compareVariants(aId, bId, where);
        break;
      case 'Sequence':
        this.compare(ta.def.asSequence.type.toNumber(), tb.def.asSequence.type.toNumber(), `${where}[]`);
        break;
      case 'Array': {
        const x = ta.def.asArray;
        const y = tb.def.asArray;
        if (!x.len.eq(y.len)) this.diffs.push(`${where}: array length ${this.a.label} ${x.len.toNumber()} vs ${this.b.label} ${y.len.toNumber()}`);
        this.compare(x.type.toNumber(), y.type.toNumber(), `${where}[]`);
        break;
      }
      case 'Tuple': {
        const x = ta.def.asTuple;
        const y = tb.def.asTuple;
        if (x.length !== y.length) {
          this.diffs.push(`${where}: tuple of ${x.length} vs ${y.length} (${this.#describe(aId, bId)})`);
          break;
        }
        x.forEach((id, i) => this.compare(id.toNumber(), y[i].toNumber(), `${where}.${i}`));
        break;
      }
      case 'Compact':
        this.compare(ta.def.asCompact.type.toNumber(), tb.def.asCompact.type.toNumber(), `${where}<compact>`);
        break;
      case 'BitSequence': {
        const x = ta.def.asBitSequence;
        const y = tb.def.asBitSequence;
        this.compare(x.bitStoreType.toNumber(), y.bitStoreType.toNumber(), `${where}<bitStore>`);
        this.compare(x.bitOrderType.toNumber(), y.bitOrderType.toNumber(), `${where}<bitOrder>`);
        break;
      }
      default:
        this.diffs.push(`${where}: cannot compare a ${kind} type`);
    }
  }

  compareFields(x: readonly SiField[], y: readonly SiField[], where: string): void {
    const names = (fields: readonly SiField[]) => fields.map((f) => optText(f.name) ?? '_').join(', ');
    if (x.length !== y.length) {
      this.diffs.push(`${where}: fields (${names(x)}) vs (${names(y)})`);
      return;
    }
    x.forEach((fa, i) => {
      const fb = y[i];
      const na = optText(fa.name);
      const nb = optText(fb.name);
      if (na !== nb) this.diffs.push(`${where}: field ${i} is named ${na ?? '(unnamed)'} on ${this.a.label} but ${nb ?? '(unnamed)'} on ${this.b.label}`);
      this.compare(fa.type.toNumber(), fb.type.toNumber(), `${where}.${na ?? i}`);
    });
  }

  /** Compares the variants of two enums: all of them, or only `only` (which must exist on both). */
  compareVariants(aId: number, bId: number, where: string, only?: readonly string[]): void {
    const ta = this.a.lookup.getSiType(aId);
    const tb = this.b.lookup.getSiType(bId);
    if (!ta.def.isVariant || !tb.def.isVariant) {
      this.diffs.push(`${where}: expected two enums, got ${ta.def.type} and ${tb.def.type}`);
      return;
    }
    if (only && pathOf(ta) !== pathOf(tb)) this.diffs.push(`${where}: type path ${this.a.label} ${pathOf(ta)} vs ${this.b.label} ${pathOf(tb)}`);
    const va = new Map(ta.def.asVariant.variants.map((v) => [v.name.toString(), v]));
    const vb = new Map(tb.def.asVariant.variants.map((v) => [v.name.toString(), v]));
    const names = only ?? [...new Set([...va.keys(), ...vb.keys()])];
    for (const name of names) {
      const x = va.get(name);
      const y = vb.get(name);
      if (!x || !y) {
        this.diffs.push(`${where}: ${name} is ${x ? `missing on ${this.b.label}` : y ? `missing on ${this.a.label}` : 'missing on both'}`);
        continue;
      }
      if (!x.index.eq(y.index)) this.diffs.push(`${where}.${name}: index ${this.a.label} ${x.index.toNumber()} vs ${this.b.label} ${y.index.toNumber()}`);
      this.compareFields(x.fields, y.fields, `${where}.${name}`);
    }
  }
}

function assertNoDiffs(title: string, diffs: readonly string[]): void {
  if (diffs.length) assert.fail(`${title} differs in ${diffs.length} place(s):\n  - ${diffs.join('\n  - ')}`);
}

// ---------------------------------------------------------------------------------------------
// Pallet-level comparison

function findPallet(pallets: readonly Pallet[], name: string): Pallet | undefined {
  return pallets.find((p) => p.name.toString() === name);
}

function findTypeByPath(lookup: PortableRegistry, wanted: string): number | undefined {
  return lookup.types.find((t) => pathOf(t.type) === wanted)?.id.toNumber();
}

function compareStorageEntry(cmp: TypeComparator, x: StorageEntryMetadataV14, y: StorageEntryMetadataV14, where: string): void {
  if (x.modifier.type !== y.modifier.type) cmp.diffs.push(`${where}: modifier ${cmp.a.label} ${x.modifier.type} vs ${cmp.b.label} ${y.modifier.type}`);
  if (x.type.type !== y.type.type) {
    cmp.diffs.push(`${where}: ${cmp.a.label} is a ${x.type.type} entry, ${cmp.b.label} a ${y.type.type} entry`);
    return;
  }
  if (x.type.isPlain) {
    cmp.compare(x.type.asPlain.toNumber(), y.type.asPlain.toNumber(), `${where} value`);
    return;
  }
  const mx = x.type.asMap;
  const my = y.type.asMap;
  const hx = mx.hashers.map((h) => h.type).join(', ');
  const hy = my.hashers.map((h) => h.type).join(', ');
  if (hx !== hy) cmp.diffs.push(`${where}: hashers ${cmp.a.label} [${hx}] vs ${cmp.b.label} [${hy}]`);
  cmp.compare(mx.key.toNumber(), my.key.toNumber(), `${where} key`);
  cmp.compare(mx.value.toNumber(), my.value.toNumber(), `${where} value`);
}

interface PalletSelection {
  /** Call names to compare; all of them when absent. */
  calls?: readonly string[];
  events?: readonly string[];
  errors?: boolean;
  storage?: readonly string[] | 'all';
  constants?: boolean;
}

function comparePallet(cmp: TypeComparator, x: Pallet, y: Pallet, select: PalletSelection): void {
  const name = x.name.toString();
  if (!x.index.eq(y.index)) cmp.diffs.push(`${name}: pallet index ${cmp.a.label} ${x.index.toNumber()} vs ${cmp.b.label} ${y.index.toNumber()}`);
  const section = (label: string, a: Pallet['calls'] | Pallet['events'] | Pallet['errors'], b: typeof a, only?: readonly string[]) => {
    if (a.isNone || b.isNone) {
      if (a.isSome !== b.isSome) cmp.diffs.push(`${name}.${label}: present on ${a.isSome ? cmp.a.label : cmp.b.label} only`);
      return;
    }
    cmp.compareVariants(a.unwrap().type.toNumber(), b.unwrap().type.toNumber(), `${name}.${label}`, only);
  };
  if (select.calls !== undefined) section('calls', x.calls, y.calls, select.calls.length ? select.calls : undefined);
  if (select.events !== undefined) section('events', x.events, y.events, select.events.length ? select.events : undefined);
  if (select.errors) section('errors', x.errors, y.errors);
  if (select.storage) {
    const sx = x.storage.unwrapOr(null);
    const sy = y.storage.unwrapOr(null);
    if (!sx || !sy) {
      if (sx || sy) cmp.diffs.push(`${name}.storage: present on ${sx ? cmp.a.label : cmp.b.label} only`);
    } else {
      if (!sx.prefix.eq(sy.prefix)) cmp.diffs.push(`${name}.storage: prefix ${sx.prefix.toString()} vs ${sy.prefix.toString()}`);
      const ix = new Map(sx.items.map((i) => [i.name.toString(), i]));
      const iy = new Map(sy.items.map((i) => [i.name.toString(), i]));
      const names = select.storage === 'all' ? [...new Set([...ix.keys(), ...iy.keys()])] : select.storage;
      for (const item of names) {
        const a = ix.get(item);
        const b = iy.get(item);
        if (!a || !b) cmp.diffs.push(`${name}.storage.${item}: missing on ${a ? cmp.b.label : cmp.a.label}`);
        else compareStorageEntry(cmp, a, b, `${name}.storage.${item}`);
      }
      if (select.storage === 'all') {
        const ox = [...ix.keys()].join(', ');
        const oy = [...iy.keys()].join(', ');
        if (ox !== oy && [...ix.keys()].sort().join() === [...iy.keys()].sort().join()) cmp.diffs.push(`${name}.storage: order ${cmp.a.label} [${ox}] vs ${cmp.b.label} [${oy}]`);
      }
    }
  }
  if (select.constants) {
    const cx = x.constants.map((c) => c.name.toString());
    const cy = y.constants.map((c) => c.name.toString());
    if (cx.join() !== cy.join()) cmp.diffs.push(`${name}.constants: ${cmp.a.label} [${cx.join(', ')}] vs ${cmp.b.label} [${cy.join(', ')}]`);
    for (const c of x.constants) {
      const d = y.constants.find((k) => k.name.eq(c.name));
      if (d) cmp.compare(c.type.toNumber(), d.type.toNumber(), `${name}.constants.${c.name.toString()}`);
    }
  }
}

function compareSignedExtensions(cmp: TypeComparator, x: readonly SignedExtensionMetadataV14[], y: readonly SignedExtensionMetadataV14[]): void {
  const ids = (list: readonly SignedExtensionMetadataV14[]) => list.map((e) => e.identifier.toString());
  if (ids(x).join() !== ids(y).join()) {
    cmp.diffs.push(`signed extensions: ${cmp.a.label} [${ids(x).join(', ')}] vs ${cmp.b.label} [${ids(y).join(', ')}]`);
    return;
  }
  x.forEach((e, i) => {
    const id = e.identifier.toString();
    cmp.compare(e.type.toNumber(), y[i].type.toNumber(), `signed extension ${id} (extra)`);
    cmp.compare(e.additionalSigned.toNumber(), y[i].additionalSigned.toNumber(), `signed extension ${id} (additionalSigned)`);
  });
}

/** The type parameters of a type, by name. */
function typeParams(lookup: PortableRegistry, id: number): Map<string, number | undefined> {
  return new Map(lookup.getSiType(id).params.map((p) => [p.name.toString(), p.type.isSome ? p.type.unwrap().toNumber() : undefined]));
}

// ---------------------------------------------------------------------------------------------
// Fixtures: the real metadata (if present) and the dev chain's, fetched over RPC

const realBytes = fs.existsSync(REAL_METADATA_PATH) ? new Uint8Array(fs.readFileSync(REAL_METADATA_PATH)) : undefined;
let real: MetadataV15 | undefined;
let devnet: Devnet;
let provider: WsProvider;
let devV14: MetadataV14;
let devV15: MetadataV15;
let devV14Bytes: Uint8Array;
let devV15Bytes: Uint8Array;

/** Unwraps `Option<OpaqueMetadata>` as the Metadata runtime API returns it. */
function unwrapOpaqueOption(bytes: Uint8Array): Uint8Array {
  assert.equal(bytes[0], 1, 'Metadata_metadata_at_version(15) answered None');
  const [offset, length] = compactFromU8a(bytes.subarray(1));
  const body = bytes.subarray(1 + offset);
  assert.equal(body.length, length.toNumber(), 'the OpaqueMetadata length prefix does not match its contents');
  return body;
}

before(async () => {
  if (realBytes) {
    const metadata = new Metadata(new TypeRegistry(), realBytes);
    assert.equal(metadata.version, 15, `${REAL_METADATA_PATH} should hold V15 metadata`);
    real = metadata.asV15;
  }
  devnet = await startDevnet({ port: 0 });
  provider = new WsProvider(devnet.wsUrl, false);
  await provider.connect();
  await provider.isReady;

  devV14Bytes = hexToU8a(await provider.send<string>('state_getMetadata', []));
  const v14 = new Metadata(new TypeRegistry(), devV14Bytes);
  assert.equal(v14.version, 14, 'state_getMetadata must serve V14');
  devV14 = v14.asV14;

  const versions = hexToU8a(await provider.send<string>('state_call', ['Metadata_metadata_versions', '0x']));
  assert.ok(u8aToHex(versions).includes('0f000000'), `Metadata_metadata_versions should list 15, got ${u8aToHex(versions)}`);
  devV15Bytes = unwrapOpaqueOption(hexToU8a(await provider.send<string>('state_call', ['Metadata_metadata_at_version', '0x0f000000'])));
  const v15 = new Metadata(new TypeRegistry(), devV15Bytes);
  assert.equal(v15.version, 15, 'Metadata_metadata_at_version(15) must answer V15');
  devV15 = v15.asV15;
});

after(async () => {
  await provider?.disconnect();
  await devnet?.close();
});

/** Runs `body` with a comparator of the real runtime (a) against the dev chain's V15 (b), or skips. */
function againstReal(t: TestContext, body: (cmp: TypeComparator, realMeta: MetadataV15) => void): void {
  if (!real) {
    t.skip(SKIP_MESSAGE);
    return;
  }
  const cmp = new TypeComparator({ label: 'Hippius 9105', lookup: real.lookup }, { label: 'dev chain', lookup: devV15.lookup }, OPAQUE_PATHS);
  body(cmp, real);
}

function pallets(realMeta: MetadataV15, name: string): [Pallet, Pallet] {
  const x = findPallet(realMeta.pallets, name);
  const y = findPallet(devV15.pallets, name);
  assert.ok(x, `the Hippius metadata has no ${name} pallet`);
  assert.ok(y, `the dev chain has no ${name} pallet`);
  return [x, y];
}

// ---------------------------------------------------------------------------------------------

describe('the dev chain matches the Hippius runtime (spec 9105)', () => {
  test('the reference metadata is present', (t) => {
    if (!realBytes) t.skip(SKIP_MESSAGE);
    else assert.ok(real, 'the reference metadata decoded');
  });

  test('pallet indices', (t) =>
    againstReal(t, (_cmp, realMeta) => {
      const problems: string[] = [];
      for (const [name, index] of Object.entries(EXPECTED_PALLET_INDICES)) {
        const r = findPallet(realMeta.pallets, name);
        const d = findPallet(devV15.pallets, name);
        if (r?.index.toNumber() !== index) problems.push(`${name}: Hippius has index ${r?.index.toNumber() ?? '(absent)'}, expected ${index}`);
        if (d?.index.toNumber() !== index) problems.push(`${name}: the dev chain has index ${d?.index.toNumber() ?? '(absent)'}, expected ${index}`);
      }
      assertNoDiffs('pallet indices', problems);
    }));

  test('ContainerRegistry: calls, events, errors, storage and constants', (t) =>
    againstReal(t, (cmp, realMeta) => {
      const [x, y] = pallets(realMeta, 'ContainerRegistry');
      assert.equal(y.index.toNumber(), 69);
      comparePallet(cmp, x, y, { calls: [], events: [], errors: true, storage: 'all', constants: true });
      assertNoDiffs('ContainerRegistry', cmp.diffs);
    }));

  test('ContainerRegistry: call, event and error order', (t) =>
    againstReal(t, (_cmp, realMeta) => {
      const [x, y] = pallets(realMeta, 'ContainerRegistry');
      const names = (lookup: PortableRegistry, section: Pallet['calls']) =>
        lookup.getSiType(section.unwrap().type).def.asVariant.variants.map((v) => `${v.index.toNumber()}:${v.name.toString()}`);
      for (const key of ['calls', 'events', 'errors'] as const) {
        assert.deepEqual(names(devV15.lookup, y[key]), names(realMeta.lookup, x[key]), `ContainerRegistry ${key} (index:name)`);
      }
      assert.deepEqual(
        y.storage.unwrap().items.map((i) => i.name.toString()),
        x.storage.unwrap().items.map((i) => i.name.toString()),
        'ContainerRegistry storage item names',
      );
    }));

  test('Utility: batch, batch_all, force_batch and all events', (t) =>
    againstReal(t, (cmp, realMeta) => {
      const [x, y] = pallets(realMeta, 'Utility');
      comparePallet(cmp, x, y, { calls: ['batch', 'batch_all', 'force_batch'], events: [] });
      assertNoDiffs('Utility', cmp.diffs);
    }));

  test('Proxy: proxy, add_proxy, remove_proxy and ProxyExecuted/ProxyAdded/ProxyRemoved', (t) =>
    againstReal(t, (cmp, realMeta) => {
      const [x, y] = pallets(realMeta, 'Proxy');
      comparePallet(cmp, x, y, { calls: ['proxy', 'add_proxy', 'remove_proxy'], events: ['ProxyExecuted', 'ProxyAdded', 'ProxyRemoved'], storage: ['Proxies'] });
      assertNoDiffs('Proxy', cmp.diffs);
    }));

  test('System.Account, System.Events (EventRecord) and DispatchError', (t) =>
    againstReal(t, (cmp, realMeta) => {
      const [x, y] = pallets(realMeta, 'System');
      comparePallet(cmp, x, y, { storage: ['Account', 'Events', 'Number', 'Digest', 'BlockHash'] });
      const realError = findTypeByPath(realMeta.lookup, 'sp_runtime::DispatchError');
      const devError = findTypeByPath(devV15.lookup, 'sp_runtime::DispatchError');
      assert.ok(realError !== undefined, 'Hippius has no sp_runtime::DispatchError');
      assert.ok(devError !== undefined, 'the dev chain has no sp_runtime::DispatchError');
      cmp.compare(realError, devError, 'DispatchError');
      const realRecord = findTypeByPath(realMeta.lookup, 'frame_system::EventRecord');
      const devRecord = findTypeByPath(devV15.lookup, 'frame_system::EventRecord');
      assert.ok(realRecord !== undefined && devRecord !== undefined, 'frame_system::EventRecord is missing on one side');
      cmp.compare(realRecord, devRecord, 'EventRecord');
      assertNoDiffs('System types', cmp.diffs);
    }));

  test('ContainerRegistry events inside the runtime event enum sit at index 69', (t) =>
    againstReal(t, (cmp, realMeta) => {
      const variantOf = (lookup: PortableRegistry, enumId: number) =>
        lookup.getSiType(enumId).def.asVariant.variants.find((v) => v.name.toString() === 'ContainerRegistry');
      const r = variantOf(realMeta.lookup, realMeta.outerEnums.eventType.toNumber());
      const d = variantOf(devV15.lookup, devV15.outerEnums.eventType.toNumber());
      assert.ok(r && d, 'RuntimeEvent::ContainerRegistry is missing on one side');
      assert.equal(d.index.toNumber(), r.index.toNumber());
      cmp.compareFields(r.fields, d.fields, 'RuntimeEvent::ContainerRegistry');
      const rc = variantOf(realMeta.lookup, realMeta.outerEnums.callType.toNumber());
      const dc = variantOf(devV15.lookup, devV15.outerEnums.callType.toNumber());
      assert.ok(rc && dc, 'RuntimeCall::ContainerRegistry is missing on one side');
      assert.equal(dc.index.toNumber(), rc.index.toNumber());
      cmp.compareFields(rc.fields, dc.fields, 'RuntimeCall::ContainerRegistry');
      assertNoDiffs('outer enums', cmp.diffs);
    }));

  test('extrinsic format: version 4, MultiAddress / MultiSignature, signed extensions', (t) =>
    againstReal(t, (cmp, realMeta) => {
      const rx = realMeta.extrinsic;
      const dx = devV15.extrinsic;
      assert.equal(dx.version.toNumber(), 4);
      assert.equal(rx.version.toNumber(), 4);
      assert.equal(pathOf(devV15.lookup.getSiType(dx.addressType)), 'sp_runtime::multiaddress::MultiAddress');
      assert.equal(pathOf(devV15.lookup.getSiType(dx.signatureType)), 'sp_runtime::MultiSignature');
      cmp.compare(rx.addressType.toNumber(), dx.addressType.toNumber(), 'extrinsic address');
      cmp.compare(rx.callType.toNumber(), dx.callType.toNumber(), 'extrinsic call');
      cmp.compare(rx.signatureType.toNumber(), dx.signatureType.toNumber(), 'extrinsic signature');
      cmp.compare(rx.extraType.toNumber(), dx.extraType.toNumber(), 'extrinsic extra');
      compareSignedExtensions(cmp, rx.signedExtensions, dx.signedExtensions);
      assertNoDiffs('extrinsic format', cmp.diffs);
    }));

  test("the V14 extrinsic type (state_getMetadata) matches Hippius's UncheckedExtrinsic", (t) => {
    if (!real) {
      t.skip(SKIP_MESSAGE);
      return;
    }
    const cmp = new TypeComparator({ label: 'Hippius 9105', lookup: real.lookup }, { label: 'dev chain (V14)', lookup: devV14.lookup }, OPAQUE_PATHS);
    const realExtrinsic = findTypeByPath(real.lookup, 'fp_self_contained::unchecked_extrinsic::UncheckedExtrinsic');
    assert.ok(realExtrinsic !== undefined, 'Hippius has no fp_self_contained UncheckedExtrinsic');
    const devExtrinsic = devV14.extrinsic.type.toNumber();
    assert.equal(devV14.extrinsic.version.toNumber(), 4);
    cmp.compare(realExtrinsic, devExtrinsic, 'UncheckedExtrinsic');
    const rp = typeParams(real.lookup, realExtrinsic);
    const dp = typeParams(devV14.lookup, devExtrinsic);
    assert.deepEqual([...dp.keys()], [...rp.keys()], 'UncheckedExtrinsic type parameter names');
    for (const name of ['Address', 'Call', 'Signature', 'Extra']) {
      const a = rp.get(name);
      const b = dp.get(name);
      if (a === undefined || b === undefined) cmp.diffs.push(`UncheckedExtrinsic<${name}>: no type on ${a === undefined ? 'Hippius' : 'the dev chain'}`);
      else cmp.compare(a, b, `UncheckedExtrinsic<${name}>`);
    }
    compareSignedExtensions(cmp, real.extrinsic.signedExtensions, devV14.extrinsic.signedExtensions);
    assertNoDiffs('V14 extrinsic', cmp.diffs);
  });
});

describe("the dev chain's own metadata", () => {
  test('state_getMetadata serves the V14 the runtime was built with, state_call the V15', () => {
    assert.ok(u8aEq(devV14Bytes, devnet.chain.runtime.metadataV14), 'state_getMetadata bytes differ from chain.runtime.metadataV14');
    assert.ok(u8aEq(devV15Bytes, devnet.chain.runtime.metadataV15), 'Metadata_metadata_at_version(15) bytes differ from chain.runtime.metadataV15');
  });

  test('V14 (state_getMetadata) and V15 (state_call) describe the same pallets', () => {
    const list = (ps: readonly Pallet[]) => ps.map((p) => `${p.index.toNumber()}:${p.name.toString()}`);
    assert.deepEqual(list(devV14.pallets), list(devV15.pallets), 'pallet names and indices');
    const cmp = new TypeComparator({ label: 'V14', lookup: devV14.lookup }, { label: 'V15', lookup: devV15.lookup });
    for (const x of devV14.pallets) {
      const y = findPallet(devV15.pallets, x.name.toString())!;
      comparePallet(cmp, x, y, { calls: [], events: [], errors: true, storage: 'all', constants: true });
      for (const c of x.constants) {
        const d = y.constants.find((k) => k.name.eq(c.name));
        if (d && !c.value.eq(d.value)) cmp.diffs.push(`${x.name.toString()}.constants.${c.name.toString()}: value ${c.value.toHex()} vs ${d.value.toHex()}`);
      }
    }
    compareSignedExtensions(cmp, devV14.extrinsic.signedExtensions, devV15.extrinsic.signedExtensions);
    const params = typeParams(devV14.lookup, devV14.extrinsic.type.toNumber());
    const v15Parts: Record<string, number> = {
      Address: devV15.extrinsic.addressType.toNumber(),
      Call: devV15.extrinsic.callType.toNumber(),
      Signature: devV15.extrinsic.signatureType.toNumber(),
      Extra: devV15.extrinsic.extraType.toNumber(),
    };
    for (const [name, id] of Object.entries(v15Parts)) {
      const v14Id = params.get(name);
      if (v14Id === undefined) cmp.diffs.push(`the V14 UncheckedExtrinsic has no ${name} parameter`);
      else cmp.compare(v14Id, id, `extrinsic ${name}`);
    }
    assertNoDiffs('dev chain V14 vs V15', cmp.diffs);
  });
});
