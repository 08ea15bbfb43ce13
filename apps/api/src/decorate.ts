/**
 * The one way a port is decorated here: `overrides` replace some of `target`'s members, and every
 * other member is the target's own (methods bound to it), so a port can grow without its
 * decorators changing.
 */
export function decorate<T extends object, O extends object>(target: T, overrides: O): T & O {
  return new Proxy(target, {
    get(t, key) {
      if (Object.hasOwn(overrides, key)) return (overrides as Record<PropertyKey, unknown>)[key];
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? (value as () => unknown).bind(t) : value;
    },
  }) as T & O;
}
