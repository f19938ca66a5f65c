// Writes the JavaScript of a serializer from a schema. The value of each node is in a local variable; its
// code appends to `j` (the JSON text so far). A node's code takes two statements from its parent: `pre`,
// run just before its text is appended (an object property's `"name":` and comma), and `missing`, run when
// the value has no JSON text (undefined, a function, a symbol: the property is left out, an array element
// is written as null, a $ref function returns undefined). Names only ever enter the code as
// JSON.stringify() literals. Each $ref target becomes a function of its own (recursion, depth guard).
import { type Category, type Schema, SchemaContext, type Shape } from './serializer-schema';
import { MAX_REF_DEPTH } from './serializer-runtime';

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

// Nulls first (so the object test after them may skip its own null check), then the likeliest.
const ORDER: Category[] = ['null', 'object', 'array', 'string', 'number', 'boolean', 'bigint'];

/** Names of Object.prototype's properties: a declared property by one of these names is read only if own. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

export interface CodegenOptions {
  bigint: boolean;
}

export class Codegen {
  private readonly ctx: SchemaContext;
  private readonly functions = new Map<Schema, string>();
  private readonly pending: Array<[string, Schema]> = [];
  private readonly bodies: string[] = [];
  /** Sets of declared names, for additionalProperties loops over objects with many properties. */
  readonly sets: Array<Set<string>> = [];
  private n = 0;

  constructor(
    root: Schema,
    private readonly options: CodegenOptions,
  ) {
    this.ctx = new SchemaContext(root);
  }

  /** The source of a function body returning the serializer (free names: see serializer.ts). */
  program(): string {
    const root = this.node(this.ctx.root, 'v', "''", '', 'throw notSerializable();', false);
    while (this.pending.length > 0) {
      const [name, target] = this.pending.shift() as [string, Schema];
      const body = this.node(target, 'v', 'key', '', 'return undefined;', false);
      this.bodies.push(
        `function ${name}(v, key, depth) {\n` +
          `if (depth > ${MAX_REF_DEPTH}) throw tooDeep();\nlet j = '';\n${body}\nreturn j;\n}`,
      );
    }
    return `${this.bodies.join('\n')}\nreturn function serialize(v) {\nconst depth = 0;\nlet j = '';\n${root}\nreturn j;\n};`;
  }

  private id(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  /** Code writing the value in variable `v` (a `let`) under `schema`; `key` is the toJSON key expression. */
  private node(schema: Schema, v: string, key: string, pre: string, missing: string, jsonDone: boolean): string {
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
  private generic(v: string, key: string, pre: string, missing: string): string {
    const r = this.id('r');
    return `const ${r} = G(${v}, ${key});\nif (${r} !== undefined) { ${pre} j += ${r}; } else { ${missing} }`;
  }

  private call(target: Schema, v: string, key: string, pre: string, missing: string): string {
    let name = this.functions.get(target);
    if (name === undefined) {
      name = this.id('f');
      this.functions.set(target, name);
      this.pending.push([name, target]);
    }
    const r = this.id('r');
    return (
      `const ${r} = ${name}(${v}, ${key}, depth + 1);\n` +
      `if (${r} !== undefined) { ${pre} j += ${r}; } else { ${missing} }`
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
  private anyOf(branches: Schema[], v: string, key: string, pre: string, missing: string): string {
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

  private typed(shape: Extract<Shape, { kind: 'typed' }>, v: string, key: string, pre: string, missing: string, jsonDone: boolean): string {
    const types = shape.types.filter((t) => t !== 'bigint' || this.options.bigint);
    if (this.options.bigint && types.includes('number') && !types.includes('bigint')) types.push('bigint');
    const compound = types.includes('object') || types.includes('array');
    let code = compound && !jsonDone ? this.toJSON(v, key) : '';
    const hasNull = types.includes('null');
    for (const cat of ORDER) {
      if (!types.includes(cat)) continue;
      const test = cat === 'object' && hasNull ? `typeof ${v} === 'object' && !Array.isArray(${v})` : TESTS[cat](v);
      code += `if (${test}) {\n${pre}\n${this.write(cat, shape, v)}\n} else `;
    }
    return `${code}{\n${this.generic(v, key, pre, missing)}\n}`;
  }

  private write(cat: Category, shape: Extract<Shape, { kind: 'typed' }>, v: string): string {
    switch (cat) {
      case 'null':
        return `j += 'null';`;
      case 'string':
        return `j += NEEDS_ESCAPE.test(${v}) ? JSON.stringify(${v}) : '"' + ${v} + '"';`;
      case 'number':
        return `j += ${v} - ${v} === 0 ? '' + ${v} : 'null';`; // NaN and ±Infinity: null, as JSON.stringify
      case 'boolean':
        return `j += ${v} ? 'true' : 'false';`;
      case 'bigint':
        return `j += ${v}.toString();`;
      case 'object':
        return this.object(shape, v);
      case 'array':
        return this.array(shape, v);
    }
  }

  private object(shape: Extract<Shape, { kind: 'typed' }>, v: string): string {
    const c = this.id('c');
    let code = `j += '{';\nlet ${c} = false;\n`;
    for (const [name, schema] of shape.properties) {
      const p = this.id('p');
      const read = INHERITED.has(name)
        ? `Object.prototype.hasOwnProperty.call(${v}, ${lit(name)}) ? ${v}[${lit(name)}] : undefined`
        : `${v}[${lit(name)}]`;
      const pre = `j += ${c} ? ${lit(`,${lit(name)}:`)} : ${lit(`${lit(name)}:`)}; ${c} = true;`;
      code += `let ${p} = ${read};\nif (${p} !== undefined) {\n${this.node(schema, p, lit(name), pre, '', false)}\n}\n`;
    }
    if (shape.additional !== false) code += this.additional(shape, v, c);
    return `${code}j += '}';`;
  }

  private additional(shape: Extract<Shape, { kind: 'typed' }>, v: string, c: string): string {
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
    const pre =
      `j += (${c} ? ',' : '') + (NEEDS_ESCAPE.test(${k}) ? JSON.stringify(${k}) : '"' + ${k} + '"') + ':'; ` +
      `${c} = true;`;
    const schema = shape.additional === true ? {} : shape.additional;
    return (
      `for (const ${k} of Object.keys(${v})) {\n${skip}let ${p} = ${v}[${k}];\n` +
      `if (${p} !== undefined) {\n${this.node(schema, p, k, pre, '', false)}\n}\n}\n`
    );
  }

  private array(shape: Extract<Shape, { kind: 'typed' }>, v: string): string {
    const len = this.id('n');
    const i = this.id('i');
    const e = this.id('e');
    let code = `j += '[';\nconst ${len} = ${v}.length;\n`;
    shape.prefixItems.forEach((schema, index) => {
      const x = this.id('e');
      const comma = index === 0 ? '' : `j += ',';\n`;
      code += `if (${len} > ${index}) {\n${comma}let ${x} = ${v}[${index}];\n`;
      code += `${this.node(schema, x, lit(String(index)), '', "j += 'null';", false)}\n}\n`;
    });
    const start = shape.prefixItems.length;
    code +=
      `for (let ${i} = ${start}; ${i} < ${len}; ${i}++) {\n` +
      `if (${i} !== 0) j += ',';\nlet ${e} = ${v}[${i}];\n` +
      `${this.node(shape.items, e, `'' + ${i}`, '', "j += 'null';", false)}\n}\n`;
    return `${code}j += ']';`;
  }
}
