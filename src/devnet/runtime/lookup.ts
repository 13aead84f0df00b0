// Builds the runtime's portable type registry (the `lookup` of metadata V14/V15) from code.
// Each helper returns a type id; structurally equal types share one id, as scale-info does.

export type TypeId = number;

export type Primitive = 'bool' | 'char' | 'str' | 'u8' | 'u16' | 'u32' | 'u64' | 'u128' | 'u256' | 'i8' | 'i16' | 'i32' | 'i64' | 'i128';

export interface FieldSpec {
  name?: string;
  type: TypeId;
  typeName?: string;
  docs?: string[];
}

export interface VariantSpec {
  name: string;
  index: number;
  fields?: FieldSpec[];
  docs?: string[];
}

export interface ParamSpec {
  name: string;
  type?: TypeId;
}

type TypeDef =
  | { composite: { fields: FieldJson[] } }
  | { variant: { variants: VariantJson[] } }
  | { sequence: { type: TypeId } }
  | { array: { len: number; type: TypeId } }
  | { tuple: TypeId[] }
  | { primitive: string }
  | { compact: { type: TypeId } };

interface FieldJson {
  name: string | null;
  type: TypeId;
  typeName: string | null;
  docs: string[];
}

interface VariantJson {
  name: string;
  fields: FieldJson[];
  index: number;
  docs: string[];
}

export interface PortableType {
  id: TypeId;
  type: { path: string[]; params: { name: string; type: TypeId | null }[]; def: TypeDef; docs: string[] };
}

const PRIMITIVE_NAMES: Record<Primitive, string> = {
  bool: 'Bool', char: 'Char', str: 'Str', u8: 'U8', u16: 'U16', u32: 'U32', u64: 'U64', u128: 'U128',
  u256: 'U256', i8: 'I8', i16: 'I16', i32: 'I32', i64: 'I64', i128: 'I128',
};

function fieldJson(field: FieldSpec): FieldJson {
  return { name: field.name ?? null, type: field.type, typeName: field.typeName ?? null, docs: field.docs ?? [] };
}

export class LookupBuilder {
  readonly #types: (PortableType | undefined)[] = [];
  readonly #byKey = new Map<string, TypeId>();

  primitive(name: Primitive): TypeId {
    return this.#add([], [], { primitive: PRIMITIVE_NAMES[name] });
  }

  compact(type: TypeId): TypeId {
    return this.#add([], [], { compact: { type } });
  }

  sequence(type: TypeId): TypeId {
    return this.#add([], [], { sequence: { type } });
  }

  array(len: number, type: TypeId): TypeId {
    return this.#add([], [], { array: { len, type } });
  }

  tuple(...types: TypeId[]): TypeId {
    return this.#add([], [], { tuple: types });
  }

  composite(path: string, fields: FieldSpec[], params: ParamSpec[] = [], docs: string[] = []): TypeId {
    return this.#add(splitPath(path), params, { composite: { fields: fields.map(fieldJson) } }, docs);
  }

  variant(path: string, variants: VariantSpec[], params: ParamSpec[] = [], docs: string[] = []): TypeId {
    return this.#add(splitPath(path), params, { variant: { variants: variants.map(variantJson) } }, docs);
  }

  /** A fieldless enum whose variants are numbered from 0 in the order given. */
  simpleEnum(path: string, names: string[]): TypeId {
    return this.variant(path, names.map((name, index) => ({ name, index })));
  }

  option(type: TypeId): TypeId {
    return this.variant('Option', [{ name: 'None', index: 0 }, { name: 'Some', index: 1, fields: [{ type }] }], [{ name: 'T', type }]);
  }

  result(ok: TypeId, err: TypeId): TypeId {
    return this.variant(
      'Result',
      [{ name: 'Ok', index: 0, fields: [{ type: ok }] }, { name: 'Err', index: 1, fields: [{ type: err }] }],
      [{ name: 'T', type: ok }, { name: 'E', type: err }],
    );
  }

  /** Reserves an id for a type that refers to itself through others (RuntimeCall). */
  reserve(): TypeId {
    this.#types.push(undefined);
    return this.#types.length - 1;
  }

  defineVariant(id: TypeId, path: string, variants: VariantSpec[], params: ParamSpec[] = []): void {
    if (this.#types[id]) throw new Error(`type ${id} is already defined`);
    this.#types[id] = { id, type: { path: splitPath(path), params: paramsJson(params), def: { variant: { variants: variants.map(variantJson) } }, docs: [] } };
  }

  types(): PortableType[] {
    return this.#types.map((type, id) => {
      if (!type) throw new Error(`type ${id} was reserved but never defined`);
      return type;
    });
  }

  #add(path: string[], params: ParamSpec[], def: TypeDef, docs: string[] = []): TypeId {
    const type = { path, params: paramsJson(params), def, docs };
    const key = JSON.stringify(type);
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    const id = this.#types.length;
    this.#types.push({ id, type });
    this.#byKey.set(key, id);
    return id;
  }
}

function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('::');
}

function paramsJson(params: ParamSpec[]): { name: string; type: TypeId | null }[] {
  return params.map((p) => ({ name: p.name, type: p.type ?? null }));
}

function variantJson(variant: VariantSpec): VariantJson {
  return { name: variant.name, fields: (variant.fields ?? []).map(fieldJson), index: variant.index, docs: variant.docs ?? [] };
}
