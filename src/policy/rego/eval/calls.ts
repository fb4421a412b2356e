// Function calls: builtins (through the registry), the builtins the evaluator implements itself
// (print, walk, rego.metadata.*, rego.parse_module, http.send), user functions, and `with` mocks.
// Evaluator is the complete evaluator (core.ts <- rules.ts <- this file).
import type { Term } from '../ast/types.js';
import { moduleToValue } from '../ast/json.js';
import { Parser } from '../ast/parser.js';
import { builtinArity, builtinFamily } from '../builtins/decls.js';
import { builtins, BuiltinError } from '../builtins/registry.js';
import { RegoError } from '../errors.js';
import { equal, fromJS, key as vkey, RObject, typeName, type Value } from '../value.js';
import { CONFLICT, isConstant, type Ctx, type Env, type KV } from './context.js';
import { RuleEval } from './rules.js';
import { formatValue, iterate, member2, member3 } from './values.js';

export class Evaluator extends RuleEval {
  // ------------------------------------------------------------------ calls

  protected evalCall(t: Extract<Term, { t: 'call' }>, env: Env, k: KV): boolean {
    const fn = t.fn ?? t.op;
    if ((fn === 'print' || fn === 'internal.print') && !this.ctx.fnMocks?.has(fn)) {
      // print never fails: an undefined operand prints as <undefined>
      const parts = t.args.map((a) => {
        const vals: Value[] = [];
        this.evalTerm(a, env, (v) => {
          vals.push(v);
          return false;
        });
        if (vals.length === 0) return '<undefined>';
        return vals.map((v) => (typeof v === 'string' ? v : formatValue(v))).join(', ');
      });
      this.printer(parts.join(' '));
      return k(true);
    }
    let arity = fn.startsWith('data.') ? this.compiler.arityOf(fn) : builtinArity(fn);
    if (arity === undefined) arity = t.args.length;
    if (arity < 0 || t.args.length <= arity) {
      return this.evalTerms(t.args, env, (args) => this.callFn(fn, args, env, k, t));
    }
    if (t.args.length > arity + 1) {
      throw new RegoError('rego_type_error', `${fn}: too many arguments`, t.loc);
    }
    const ins = t.args.slice(0, arity);
    const out = t.args[arity]!;
    return this.evalTerms(ins, env, (args) => this.callFn(fn, args, env, (r) => this.matchValue(out, r, env, () => k(true)), t));
  }

  callFn(fn: string, args: Value[], env: Env, k: KV, t?: Term): boolean {
    const mocks = this.ctx.fnMocks;
    if (mocks) {
      const m = mocks.get(fn);
      if (m) {
        if ('value' in m) return k(m.value);
        // mocked by another function: inside it, no function mock applies (OPA: a mock does not
        // call other mocks, and calls to the mocked function reach the original)
        const outer = this.ctx;
        const inner: Ctx = { ...outer, fnMocks: null, cache: new Map() };
        this.ctx = inner;
        try {
          return this.callFn(m.fn, args, env, (v) => {
            this.ctx = outer;
            try {
              return k(v);
            } finally {
              this.ctx = inner;
            }
          }, t);
        } finally {
          this.ctx = outer;
        }
      }
    }
    if (fn.startsWith('data.')) return this.callUser(fn, args, k, t);
    switch (fn) {
      case 'internal.member_2':
        return k(member2(args[0]!, args[1]!));
      case 'internal.member_3':
        return k(member3(args[0]!, args[1]!, args[2]!));
      case 'print':
      case 'internal.print':
        this.printer(args.map((a) => (typeof a === 'string' ? a : formatValue(a))).join(' '));
        return k(true);
      case 'trace':
        return k(true);
    }
    const b = builtins.get(fn);
    if (!b) {
      if (fn === 'walk') return this.walk(args[0]!, k);
      if (fn === 'rego.metadata.chain') {
        const r = this.ruleStack[this.ruleStack.length - 1];
        return k(r ? fromJS(this.compiler.metadataChain(r)) : []);
      }
      if (fn === 'rego.metadata.rule') {
        const r = this.ruleStack[this.ruleStack.length - 1];
        const a = r?.annotations && r.annotations.scope === 'rule' ? r.annotations : undefined;
        return k(a ? fromJS(a) : new RObject());
      }
      if (fn === 'opa.runtime') return k(new RObject());
      if (fn === 'rego.parse_module') return this.parseModuleBuiltin(args, k, t);
      if (fn === 'http.send') return this.httpSend(args[0]!, t);
      if (builtinFamily(fn)) {
        // declared but its family was not loaded (see builtins/load.ts): a bug in the caller
        throw new RegoError('eval_builtin_error', `${fn}: builtin not loaded (load its family with loadBuiltins)`, t?.loc);
      }
      throw new RegoError('eval_builtin_error', `${fn}: unknown builtin`, t?.loc);
    }
    try {
      if (b.relation) {
        for (const v of b.relation(args, this.bctx)) if (k(v)) return true;
        return false;
      }
      const r = b.fn!(args, this.bctx);
      if (r === undefined) return false;
      return k(r);
    } catch (e) {
      if (e instanceof BuiltinError) {
        if (this.strict) throw new RegoError(e.code, e.message, t?.loc);
        return false;
      }
      if (e instanceof RegoError) throw e;
      if (e instanceof RangeError) throw e;
      if (this.strict) throw new RegoError('eval_builtin_error', `${fn}: ${(e as Error).message}`, t?.loc);
      return false;
    }
  }

  /**
   * http.send checks its request object as OPA does, but this engine makes no network calls
   * (evaluation is synchronous): a valid request is an eval_builtin_error. Mock it with `with`.
   */
  protected httpSend(req: Value, t?: Term): boolean {
    if (!(req instanceof RObject)) {
      throw new RegoError('eval_type_error', `http.send: operand 1 must be object but got ${typeName(req)}`, t?.loc);
    }
    const bad = req.keys().filter((k) => typeof k !== 'string' || !HTTP_SEND_KEYS.has(k));
    if (bad.length) {
      throw new RegoError('eval_type_error', `http.send: invalid request parameters(s): {${bad.map((k) => JSON.stringify(k)).join(', ')}}`, t?.loc);
    }
    const missing = ['method', 'url'].filter((k) => !req.has(k));
    if (missing.length) {
      throw new RegoError('eval_type_error', `http.send: missing required request parameters(s): {${missing.map((k) => JSON.stringify(k)).join(', ')}}`, t?.loc);
    }
    if (this.strict) throw new RegoError('eval_builtin_error', 'http.send: network access is not supported by this engine', t?.loc);
    return false;
  }

  protected parseModuleBuiltin(args: Value[], k: KV, t?: Term): boolean {
    const [file, text] = args;
    const fail = (code: string, msg: string): boolean => {
      if (this.strict) throw new RegoError(code, msg, t?.loc);
      return false;
    };
    if (typeof file !== 'string') return fail('eval_type_error', `rego.parse_module: operand 1 must be string but got ${typeName(file!)}`);
    if (typeof text !== 'string') return fail('eval_type_error', `rego.parse_module: operand 2 must be string but got ${typeName(text!)}`);
    try {
      return k(moduleToValue(new Parser(file, text).parseModule()));
    } catch (e) {
      if (e instanceof RegoError) return fail('eval_builtin_error', `rego.parse_module: ${e.code}: ${e.bare}`);
      throw e;
    }
  }

  protected walk(v: Value, k: KV): boolean {
    const rec = (path: Value[], x: Value): boolean => {
      if (k([path.slice(), x])) return true;
      return iterate(x, (key, val) => {
        path.push(key);
        try {
          return rec(path, val);
        } finally {
          path.pop();
        }
      });
    };
    return rec([], v);
  }

  protected callUser(fn: string, args: Value[], k: KV, t?: Term): boolean {
    const rules = this.compiler.funcs.get(fn);
    if (!rules) {
      // a call through a data ref that is not a function
      return false;
    }
    const ck = 'f\0' + fn + '\0' + args.map(vkey).join('\0');
    const cached = this.ctx.cache.get(ck);
    if (cached !== undefined) return cached === null ? false : k(cached);
    let result: Value | undefined;
    for (const r of rules) {
      if (r.isDefault) continue;
      if (r.args!.length !== args.length) continue;
      const env: Env = new Map();
      this.matchValues(r.args!, args, env, () =>
        this.ruleSolutions(
          r,
          (env2, valueTerm) =>
            this.evalTermOrTrue(valueTerm, env2, (v) => {
              if (result === undefined) result = v;
              else if (!equal(result, v)) {
                throw new RegoError(CONFLICT, 'functions must not produce multiple outputs for same inputs', t?.loc ?? r.loc);
              }
              return isConstant(valueTerm);
            }),
          env,
        ),
      );
    }
    if (result === undefined) {
      const d = rules.find((r) => r.isDefault);
      if (d && d.args!.length === args.length) {
        this.evalTerm(d.value!, new Map(), (v) => {
          result = v;
          return true;
        });
      }
    }
    this.ctx.cache.set(ck, result === undefined ? null : result);
    return result === undefined ? false : k(result);
  }
}

const HTTP_SEND_KEYS = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body',
  'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert',
  'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file',
  'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache',
  'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);

