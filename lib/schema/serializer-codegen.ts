// Writes the JavaScript of a serializer from a schema. The value of each node is in a local variable; its
// code appends to `j` (the JSON text so far). A node's code takes from its parent a prefix (`pre`: what to
// write just before its text — an object property's comma and `"name":`, an array element's comma — merged
// into the node's first literal) and `missing`, run when the value has no JSON text (undefined, a function,
// a symbol: a property is left out, an array element written as null, a $ref function returns undefined).
// Names only ever enter the code as JSON.stringify() literals. Each $ref target becomes a function of its
// own (recursion; the depth guard counts its calls).
import { type Category, type Schema, SchemaContext, type Shape } from './serializer-schema';
import { MAX_REF_DEPTH } from './serializer-runtime';

type Typed = Extract<Shape, { kind: 'typed' }>;

/**
 * Text written before a node's own: `flag ? ifSet : ifUnset` (flag null: always ifUnset), or the JS
 * expression `expr` when there is one (a key known only at run time); then the statement `set` runs.
 */
interface Pre {
  flag: string | null;
  ifSet: string;
  ifUnset: string;
  set: string;
  expr?: string;
}

const NONE: Pre = { flag: null, ifSet: '', ifUnset: '', set: '' };

const lit = (text: string): string => JSON.stringify(text);

const TESTS: Record<Category, (v: string) => string> = {
  null: (v) => `${v} === null`,
  object: (v) => `typeof ${v} === 'object' && ${v} !== null && !Array.isArray(${v})`,
  array: (v) => `Array.isArray(${v})`,
  string: (v) => `typeof ${v} === 'string'`,
  number: (v) => `typeof ${v} === 'number'`,
  boolean: (v) => `typeof ${v} === 'boolean'`,
  bigint: (v) => `typeof ${v} === 'bigint'`,
};

// Null first (the object test after it may then skip its null check), then the likeliest.
const ORDER: Category[] = ['null', 'object', 'array', 'string', 'number', 'boolean', 'bigint'];

/** Names of Object.prototype's properties: a declared property by one of these names is read only if own. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

export class Codegen {
  private readonly ctx: SchemaContext;
  private readonly functions = new Map<Schema, string>();
  private readonly pending: Array<[string, Schema]> = [];
  /** Sets of declared names, for the additionalProperties loops of objects with many properties. */
  readonly sets: Array<Set<string>> = [];
  private n = 0;

  constructor(
    root: Schema,
    private readonly bigint: boolean,
  ) {
    this.ctx = new SchemaContext(root);
  }

  /** The body of a function returning the serializer (its free names: see serializer.ts). */
  program(): string {
    const root = this.node(this.ctx.root, 'v', "''", NONE, 'throw notSerializable();', false);
    const functions: string[] = [];
    for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift()) {
      const body = this.node(next[1], 'v', 'key', NONE, 'return undefined;', false);
      functions.push(
        `function ${next[0]}(v, key, depth) {\nif (depth > ${MAX_REF_DEPTH}) throw tooDeep();\nlet j = '';\n${body}\nreturn j;\n}`,
      );
    }
    return `${functions.join('\n')}\nreturn function serialize(v) {\nconst depth = 0;\nlet j = '';\n${root}\nreturn j;\n};`;
  }

  private id(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  /** Appends pre + head (a literal text) + rest (a JS expression, or ''). */
  private put(pre: Pre, head: string, rest: string): string {
    let start: string;
    if (pre.expr !== undefined) start = head === '' ? pre.expr : `${pre.expr} + ${lit(head)}`;
    else if (pre.flag === null) start = lit(pre.ifUnset + head);
    else start = `(${pre.flag} ? ${lit(pre.ifSet + head)} : ${lit(pre.ifUnset + head)})`;
    if (start === '""' && rest === '') return pre.set;
    const text = start === '""' ? rest : rest === '' ? start : `${start} + ${rest}`;
    return `j += ${text};${pre.set === '' ? '' : ` ${pre.set}`}`;
  }

  /** Code writing the value in variable `v` (a `let`) under `schema`; `key` is its toJSON key expression. */
  private node(schema: Schema, v: string, key: string, pre: Pre, missing: string, jsonDone: boolean): string {
    const shape = this.ctx.shape(schema);
    switch (shape.kind) {
      case 'generic':
        return this.generic(v, key, pre, missing);
      case 'ref':
        return this.call(shape.target, v, key, pre, missing);
      case 'anyOf':
        return this.anyOf(shape.branches, v, key, pre, missing);
      case 'typed':
        return this.typed(shape, v, key, pre, missing, jsonDone);
    }
  }

  /** The generic path: JSON.stringify of the subtree (BigInt-aware under the option). */
  private generic(v: string, key: string, pre: Pre, missing: string): string {
    const r = this.id('r');
    return `const ${r} = G(${v}, ${key});\nif (${r} !== undefined) { ${this.put(pre, '', r)} } else { ${missing} }`;
  }

  private call(target: Schema, v: string, key: string, pre: Pre, missing: string): string {
    let name = this.functions.get(target);
    if (name === undefined) {
      name = this.id('f');
      this.functions.set(target, name);
      this.pending.push([name, target]);
    }
    const r = this.id('r');
    return (
      `const ${r} = ${name}(${v}, ${key}, depth + 1);\n` +
      `if (${r} !== undefined) { ${this.put(pre, '', r)} } else { ${missing} }`
    );
  }

  private toJSON(v: string, key: string): string {
    return `if (typeof ${v} === 'object' && ${v} !== null && typeof ${v}.toJSON === 'function') ${v} = ${v}.toJSON(${key});\n`;
  }

  /**
   * anyOf / oneOf: the first branch whose categories take the value. Two branches that both take objects
   * (or both arrays) cannot be told apart without validating: the whole node takes the generic path.
   * Primitive overlaps are harmless: a string is written the same whichever branch takes it.
   */
  private anyOf(branches: Schema[], v: string, key: string, pre: Pre, missing: string): string {
    const taken = new Set<Category>();
    const plan: Array<[Category[], Schema]> = [];
    for (const branch of branches) {
      const cats = this.ctx.categories(branch);
      if (cats === null) return this.generic(v, key, pre, missing);
      if ((cats.has('object') && taken.has('object')) || (cats.has('array') && taken.has('array'))) {
        return this.generic(v, key, pre, missing);
      }
      const fresh = [...cats].filter((c) => !taken.has(c));
      for (const c of fresh) taken.add(c);
      if (fresh.length > 0) plan.push([fresh, branch]);
    }
    let code = taken.has('object') || taken.has('array') ? this.toJSON(v, key) : '';
    for (const [cats, branch] of plan) {
      const test = cats.map((c) => `(${TESTS[c](v)})`).join(' || ');
      code += `if (${test}) {\n${this.node(branch, v, key, pre, missing, true)}\n} else `;
    }
    return `${code}{\n${this.generic(v, key, pre, missing)}\n}`;
  }

  private typed(shape: Typed, v: string, key: string, pre: Pre, missing: string, jsonDone: boolean): string {
    const types = shape.types.filter((t) => t !== 'bigint' || this.bigint);
    if (this.bigint && types.includes('number') && !types.includes('bigint')) types.push('bigint');
    const compound = types.includes('object') || types.includes('array');
    let code = compound && !jsonDone ? this.toJSON(v, key) : '';
    const hasNull = types.includes('null');
    for (const cat of ORDER) {
      if (!types.includes(cat)) continue;
      const test = cat === 'object' && hasNull ? `typeof ${v} === 'object' && !Array.isArray(${v})` : TESTS[cat](v);
      code += `if (${test}) {\n${this.write(cat, shape, v, pre)}\n} else `;
    }
    return `${code}{\n${this.generic(v, key, pre, missing)}\n}`;
  }

  private write(cat: Category, shape: Typed, v: string, pre: Pre): string {
    switch (cat) {
      case 'null':
        return this.put(pre, 'null', '');
      case 'string':
        return `if (needsEscape(${v})) { ${this.put(pre, '', `JSON.stringify(${v})`)} }\nelse { ${this.put(pre, '"', `${v} + '"'`)} }`;
      case 'number': // NaN and ±Infinity: null, as JSON.stringify writes them
        return this.put(pre, '', `(${v} - ${v} === 0 ? '' + ${v} : 'null')`);
      case 'boolean':
        return this.put(pre, '', `(${v} ? 'true' : 'false')`);
      case 'bigint':
        return this.put(pre, '', `${v}.toString()`);
      case 'object':
        return this.object(shape, v, pre);
      case 'array':
        return this.array(shape, v, pre);
    }
  }

  private object(shape: Typed, v: string, pre: Pre): string {
    const c = this.id('c');
    let code = `${this.put(pre, '{', '')}\nlet ${c} = false;\n`;
    shape.properties.forEach(([name, schema], index) => {
      const p = this.id('p');
      const read = INHERITED.has(name)
        ? `Object.prototype.hasOwnProperty.call(${v}, ${lit(name)}) ? ${v}[${lit(name)}] : undefined`
        : `${v}[${lit(name)}]`;
      const field = `${lit(name)}:`;
      const propPre: Pre = { flag: index === 0 ? null : c, ifSet: `,${field}`, ifUnset: field, set: `${c} = true;` };
      code += `let ${p} = ${read};\nif (${p} !== undefined) {\n${this.node(schema, p, lit(name), propPre, '', false)}\n}\n`;
    });
    if (shape.additional !== false) code += this.additional(shape, v, c);
    return `${code}j += '}';`;
  }

  private additional(shape: Typed, v: string, c: string): string {
    const k = this.id('k');
    const p = this.id('p');
    const names = shape.properties.map(([name]) => name);
    let skip = '';
    if (names.length > 0 && names.length <= 8) {
      skip = `if (${names.map((name) => `${k} === ${lit(name)}`).join(' || ')}) continue;\n`;
    } else if (names.length > 8) {
      skip = `if (S[${this.sets.length}].has(${k})) continue;\n`;
      this.sets.push(new Set(names));
    }
    const expr = `(${c} ? ',' : '') + (needsEscape(${k}) ? JSON.stringify(${k}) : '"' + ${k} + '"') + ':'`;
    const keyPre: Pre = { ...NONE, expr, set: `${c} = true;` };
    const schema = shape.additional === true ? {} : shape.additional;
    return (
      `for (const ${k} of Object.keys(${v})) {\n${skip}let ${p} = ${v}[${k}];\n` +
      `if (${p} !== undefined) {\n${this.node(schema, p, k, keyPre, '', false)}\n}\n}\n`
    );
  }

  private array(shape: Typed, v: string, pre: Pre): string {
    const len = this.id('n');
    let code = `${this.put(pre, '[', '')}\nconst ${len} = ${v}.length;\n`;
    shape.prefixItems.forEach((schema, index) => {
      const x = this.id('e');
      const elementPre: Pre = { ...NONE, ifUnset: index === 0 ? '' : ',' };
      const missing = this.put(elementPre, 'null', '');
      code += `if (${len} > ${index}) {\nlet ${x} = ${v}[${index}];\n`;
      code += `${this.node(schema, x, lit(String(index)), elementPre, missing, false)}\n}\n`;
    });
    const i = this.id('i');
    const e = this.id('e');
    const start = shape.prefixItems.length;
    const elementPre: Pre = {
      flag: start === 0 ? `${i} !== 0` : null,
      ifSet: ',',
      ifUnset: start === 0 ? '' : ',',
      set: '',
    };
    code +=
      `for (let ${i} = ${start}; ${i} < ${len}; ${i}++) {\nlet ${e} = ${v}[${i}];\n` +
      `${this.node(shape.items, e, `'' + ${i}`, elementPre, this.put(elementPre, 'null', ''), false)}\n}\n`;
    return `${code}j += ']';`;
  }
}
