/**
 * Initializers, regularizers and constraints as Keras layers take them: an
 * identifier ('glorotUniform' or Keras's 'glorot_uniform'), a serialized
 * `{className, config}` dict (what `getConfig()` returns and model.json holds)
 * or an instance. tfjs-layers resolves these with internal functions its
 * public bundle does not export, so this file does the same through tfjs's
 * public class registry (`tf.serialization.SerializationMap`).
 */
import * as tf from '@tensorflow/tfjs';
import { fail, formatValue } from '@tessera/tensor';

/** A serialized object as tfjs writes it. */
export interface SerializedObject {
  className: string;
  config: tf.serialization.ConfigDict;
}

/** Something with the tfjs Serializable surface. */
interface SerializableLike {
  getClassName(): string;
  getConfig(): tf.serialization.ConfigDict;
}

export type InitializerId = string | SerializedObject | tf.serialization.Serializable;
export type Initializer = ReturnType<typeof tf.initializers.zeros>;
export type Regularizer = ReturnType<typeof tf.regularizers.l2>;
export type Constraint = ReturnType<typeof tf.constraints.maxNorm>;

function isSerializable(x: unknown): x is SerializableLike {
  return typeof x === 'object' && x !== null && typeof (x as SerializableLike).getClassName === 'function' && typeof (x as SerializableLike).getConfig === 'function';
}

/** 'glorot_uniform' / 'glorotUniform' -> 'GlorotUniform'; 'l1l2' -> 'L1L2'; 'he_normal' -> 'HeNormal'. */
function classNameOf(id: string): string {
  const camel = id.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const special: Record<string, string> = { l1l2: 'L1L2', l1: 'L1L2', l2: 'L1L2', leCunNormal: 'LeCunNormal', leCunUniform: 'LeCunUniform', lecunNormal: 'LeCunNormal', lecunUniform: 'LeCunUniform' };
  return special[camel] ?? camel.charAt(0).toUpperCase() + camel.slice(1);
}

function fromRegistry(className: string, config: tf.serialization.ConfigDict, name: string, where: string, kind: string): SerializableLike {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) fail(where, `${name} names an unknown ${kind} ${formatValue(className)}`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as SerializableLike;
}

/**
 * Resolves an initializer/regularizer/constraint identifier to an instance, or
 * null for null/undefined when `nullable`.
 */
function resolve<T>(id: unknown, name: string, where: string, kind: string, method: 'apply', nullable: boolean): T | null {
  if (id === null || id === undefined) {
    if (nullable) return null;
    fail(where, `${name} must be a ${kind} identifier, received ${formatValue(id)}`);
  }
  let obj: SerializableLike;
  if (typeof id === 'string') {
    obj = fromRegistry(classNameOf(id), {}, name, where, kind);
  } else if (isSerializable(id)) {
    obj = id;
  } else if (typeof id === 'object' && typeof (id as SerializedObject).className === 'string') {
    const s = id as SerializedObject;
    obj = fromRegistry(s.className, (s.config ?? {}) as tf.serialization.ConfigDict, name, where, kind);
  } else {
    fail(where, `${name} must be a ${kind} name, a {className, config} dict or a ${kind} instance, received ${formatValue(id)}`);
  }
  if (typeof (obj as unknown as Record<string, unknown>)[method] !== 'function') fail(where, `${name} must be a ${kind}, received ${formatValue(obj.getClassName())}`);
  return obj as unknown as T;
}

export function getInitializer(id: unknown, name: string, where: string): Initializer {
  return resolve<Initializer>(id, name, where, 'initializer', 'apply', false) as Initializer;
}

export function getRegularizer(id: unknown, name: string, where: string): Regularizer | null {
  return resolve<Regularizer>(id, name, where, 'regularizer', 'apply', true);
}

export function getConstraint(id: unknown, name: string, where: string): Constraint | null {
  return resolve<Constraint>(id, name, where, 'constraint', 'apply', true);
}

/** `{className, config}` of an instance (null stays null), as tfjs's own layers write it. */
export function serialize(obj: unknown): SerializedObject | null {
  if (obj === null || obj === undefined) return null;
  const s = obj as SerializableLike;
  return { className: s.getClassName(), config: s.getConfig() };
}
