// Type predicates and type_name.
import { RObject, RSet, typeName, type Value } from '../value.js';
import { def } from './registry.js';

def('is_number', 1, ([v]) => typeof v === 'number' || typeof v === 'bigint');
def('is_string', 1, ([v]) => typeof v === 'string');
def('is_boolean', 1, ([v]) => typeof v === 'boolean');
def('is_array', 1, ([v]) => Array.isArray(v));
def('is_set', 1, ([v]) => v instanceof RSet);
def('is_object', 1, ([v]) => v instanceof RObject);
def('is_null', 1, ([v]) => v === null);
def('type_name', 1, ([v]) => typeName(v as Value));
