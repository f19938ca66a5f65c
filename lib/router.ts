// RadixRouter: krozen's own segment tree, not find-my-way.
//
// Why our own: pykrozen's semantics are segment-based and find-my-way's are not. find-my-way never
// lets a `:param` match an empty segment (it treats `/users/` as "no param"), it offers
// `ignoreTrailingSlash` (on/off for the whole router) rather than "a trailing slash is its own, empty
// segment", its wildcard is a bare `*` exposed as `params['*']` (no `*name`), and its fallback order
// between a parametric and a wildcard branch is its own. Reproducing pykrozen on top of it would mean
// fighting it on each of those points, so this file is a small tree whose edges are whole path
// segments (a radix tree at segment granularity), one per method, plus a Map of fully static paths
// per method that is consulted first.
//
// Path model: a path is '/' followed by segments separated by '/'; '' and '/' are the root, which is
// the single empty segment. So '/echo' is ['echo'] and '/echo/' is ['echo', ''] (different routes),
// and '/users/' reaches '/users/:id' with id ''. `*name` takes one or more remaining segments joined
// with '/' ('/files/' gives rest '', '/files' does not match '/files/*rest'). Matching order at every
// node: static child, then `:param` child, then `*wildcard`, backtracking to the next choice when a
// branch fails deeper down.
import { ErrorCode, KrozenError } from './base/errors';

/** A fully static match reuses this frozen object, so static lookups allocate nothing. */
const EMPTY_PARAMS: Record<string, string> = Object.freeze(Object.create(null));

export interface RouteMatch<T> {
  value: T;
  params: Record<string, string>;
}

export interface RouteEntry<T> {
  method: string;
  path: string;
  value: T;
}

/** A segment that captures nothing: bare `*`, or a `:` with an empty name. */
const NO_CAPTURE = '';

const NO_KEYS: string[] = [];
/** Above this many static children a node looks its child up in the Map instead of scanning. */
const LINEAR_MAX = 8;

class Node<T> {
  /** Child per static segment text. Null until the first static child, to keep leaves small. */
  statics: Map<string, Node<T>> | null = null;
  // The same children as parallel arrays: up to LINEAR_MAX children are found by comparing the
  // segment in place (startsWith at an offset), which avoids slicing and hashing a new string.
  staticKeys: string[] = NO_KEYS;
  staticNodes: Node<T>[] = [];
  param: Node<T> | null = null;
  /** Name of the `:param` child ('' = no capture); set together with `param`. */
  paramName = NO_CAPTURE;
  /** Route ending in `*name` (or bare `*`) below this node. */
  wildcard: Leaf<T> | null = null;
  wildcardName = NO_CAPTURE;
  /** Route that ends exactly at this node. */
  leaf: Leaf<T> | null = null;
}

/** What a route stores at its end: its value and the names of its captures, in path order. */
interface Leaf<T> {
  value: T;
  /** One entry per dynamic segment on the way; NO_CAPTURE for segments that capture nothing. */
  names: string[];
  /** The static result, for routes without dynamic segments (unused otherwise). */
  staticMatch: RouteMatch<T> | null;
}

class MethodTable<T> {
  readonly statics = new Map<string, RouteMatch<T>>();
  readonly root = new Node<T>();
}

/** Parameter names that would change the params object's prototype instead of setting a key. */
const FORBIDDEN_NAMES = new Set(['__proto__']);

export class RadixRouter<T> {
  private readonly tables = new Map<string, MethodTable<T>>();
  private readonly entries: RouteEntry<T>[] = [];
  // Scratch for find(): start/end offsets of each capture along the current branch. find() is
  // synchronous and never calls user code, so one set per router is safe and saves allocations.
  private capStart: number[] = [];
  private capEnd: number[] = [];

  add(method: string, path: string, value: T): void {
    const m = method.toUpperCase();
    const p = normalize(path);
    const segments = p.slice(1).split('/');
    let table = this.tables.get(m);
    const fresh = table === undefined;
    if (table === undefined) table = new MethodTable<T>();

    // Walk (without mutating) first, so a rejected route leaves the tree untouched.
    const names: string[] = [];
    const seen = new Set<string>();
    let node: Node<T> | null = table.root;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const kind = seg.charCodeAt(0);
      if (kind === 58 /* : */ || kind === 42 /* * */) {
        const name = seg.slice(1);
        const isWildcard = kind === 42;
        if (isWildcard && i !== segments.length - 1) {
          throw new KrozenError(ErrorCode.INVALID_ROUTE, `Wildcard must be the last segment: ${p}`);
        }
        if (FORBIDDEN_NAMES.has(name))
          throw new KrozenError(ErrorCode.INVALID_ROUTE, `Invalid parameter name '${name}' in ${p}`);
        if (name !== NO_CAPTURE) {
          if (seen.has(name))
            throw new KrozenError(ErrorCode.INVALID_ROUTE, `Duplicate parameter name '${name}' in ${p}`);
          seen.add(name);
        }
        names.push(name);
        if (node !== null) {
          const existing: string | null = isWildcard
            ? node.wildcard !== null
              ? node.wildcardName
              : null
            : node.param !== null
              ? node.paramName
              : null;
          if (existing !== null && existing !== name) {
            throw new KrozenError(
              ErrorCode.DUPLICATE_ROUTE,
              `Conflicting parameter names at ${p}: '${label(existing, isWildcard)}' vs '${label(name, isWildcard)}'`,
            );
          }
          if (isWildcard) {
            if (node.wildcard !== null) throw new KrozenError(ErrorCode.DUPLICATE_ROUTE, `Duplicate route: ${m} ${p}`);
            node = null;
          } else {
            node = node.param;
          }
        }
      } else if (node !== null) {
        node = node.statics?.get(seg) ?? null;
      }
    }
    if (node !== null && node.leaf !== null)
      throw new KrozenError(ErrorCode.DUPLICATE_ROUTE, `Duplicate route: ${m} ${p}`);

    // Insert.
    const leaf: Leaf<T> = { value, names, staticMatch: null };
    node = table.root;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const kind = seg.charCodeAt(0);
      if (kind === 42) {
        node.wildcard = leaf;
        node.wildcardName = seg.slice(1);
        break;
      }
      if (kind === 58) {
        if (node.param === null) {
          node.param = new Node<T>();
          node.paramName = seg.slice(1);
        }
        node = node.param;
      } else {
        if (node.statics === null) node.statics = new Map();
        let child = node.statics.get(seg);
        if (child === undefined) {
          child = new Node<T>();
          node.statics.set(seg, child);
          if (node.staticKeys === NO_KEYS) node.staticKeys = [];
          node.staticKeys.push(seg);
          node.staticNodes.push(child);
        }
        node = child;
      }
      if (i === segments.length - 1) node.leaf = leaf;
    }
    if (names.length === 0) {
      leaf.staticMatch = Object.freeze({ value, params: EMPTY_PARAMS });
      table.statics.set(p, leaf.staticMatch);
    }
    if (fresh) this.tables.set(m, table);
    this.entries.push({ method: m, path: p, value });
  }

  /**
   * The route for `method` (upper case, as Node gives it) and `path` (already percent-decoded
   * pathname), or null. A static match returns a shared frozen result with frozen empty params.
   */
  find(method: string, path: string): RouteMatch<T> | null {
    let table = this.tables.get(method);
    if (table === undefined) {
      const upper = method.toUpperCase();
      if (upper === method || (table = this.tables.get(upper)) === undefined) return null;
    }
    if (path.length === 0) path = '/';
    const hit = table.statics.get(path);
    if (hit !== undefined) return hit;
    if (path.charCodeAt(0) !== 47 /* / */) path = '/' + path;
    const leaf = this.match(table.root, path, 1, 0);
    if (leaf === null) return null;
    if (leaf.staticMatch !== null) return leaf.staticMatch;
    const params: Record<string, string> = {};
    const names = leaf.names;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name !== NO_CAPTURE) params[name] = path.slice(this.capStart[i], this.capEnd[i]);
    }
    return { value: leaf.value, params };
  }

  /** Methods (upper case, registration order) with a route matching `path`. */
  methodsFor(path: string): string[] {
    const out: string[] = [];
    for (const method of this.tables.keys()) {
      if (this.find(method, path) !== null) out.push(method);
    }
    return out;
  }

  /** Every route, in registration order (method upper-cased, '' given as '/'). */
  routes(): RouteEntry<T>[] {
    return this.entries.slice();
  }

  /** Segment at `start` of `path` against `node`'s children; `depth` = captures so far. */
  private match(node: Node<T>, path: string, start: number, depth: number): Leaf<T> | null {
    let end = path.indexOf('/', start);
    const last = end === -1;
    if (last) end = path.length;

    const keys = node.staticKeys;
    if (keys.length !== 0) {
      let child: Node<T> | undefined;
      if (keys.length <= LINEAR_MAX) {
        const length = end - start;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          if (key.length === length && path.startsWith(key, start)) {
            child = node.staticNodes[i];
            break;
          }
        }
      } else {
        child = node.statics!.get(path.slice(start, end));
      }
      if (child !== undefined) {
        const found = last ? child.leaf : this.match(child, path, end + 1, depth);
        if (found !== null) return found;
      }
    }
    if (node.param !== null) {
      const child = node.param;
      const found = last ? child.leaf : this.match(child, path, end + 1, depth + 1);
      if (found !== null) {
        this.capStart[depth] = start;
        this.capEnd[depth] = end;
        return found;
      }
    }
    if (node.wildcard !== null) {
      this.capStart[depth] = start;
      this.capEnd[depth] = path.length;
      return node.wildcard;
    }
    return null;
  }
}

/** '' is the root; a path without a leading '/' gets one. */
function normalize(path: string): string {
  if (path.length === 0) return '/';
  return path.charCodeAt(0) === 47 ? path : '/' + path;
}

function label(name: string, isWildcard: boolean): string {
  if (name !== NO_CAPTURE) return name;
  return isWildcard ? '*' : ':';
}
