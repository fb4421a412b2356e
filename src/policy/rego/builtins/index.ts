// Rego builtin functions (OPA semantics and error wording), all families loaded at once. The
// declaration table (names and arities) is decls.ts; load.ts loads families on demand instead.
// Family files register their builtins into the shared map on import: operators, aggregates,
// types, strings (+ sprintf, template), numbers, collections (array/object/set/walk/graph),
// encoding (json/yaml/base64/hex/urlquery), jsonpaths (json.filter/remove/patch), jsonschema,
// time, units, regex (+ globsmatch), glob, bits, crypto, ids (uuid/semver), net, jwt, x509,
// providers (providers.aws.sign_req), graphql (graphql.*: a port of gqlparser, as OPA uses).
// The evaluator implements print, walk, rego.metadata.*, rego.parse_module and http.send itself.
export { builtins, BuiltinError } from './registry.js';
export type { Builtin, BuiltinContext } from './registry.js';
export { builtinArity, builtinFamily, BUILTIN_FAMILIES, EVAL_BUILTINS } from './decls.js';

import './operators.js';
import './aggregates.js';
import './types.js';
import './strings.js';
import './sprintf.js';
import './numbers.js';
import './collections.js';
import './encoding.js';
import './time.js';
import './units.js';
import './regex.js';
import './glob.js';
import './bits.js';
import './crypto.js';
import './ids.js';
import './jsonpaths.js';
import './net.js';
import './globsmatch.js';
import './template.js';
import './jsonschema.js';
import './jwt.js';
import './x509.js';
import './providers.js';
import './graphql.js';
