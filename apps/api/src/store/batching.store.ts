import { decorate } from '../decorate.js';
import { GroupCommitter, type GroupCommitOptions } from './group.committer.js';
import type { InventoryStore } from './inventory.store.js';

type Item<M extends (items: readonly never[]) => Promise<unknown[]>> = Parameters<M>[0][number];
type Answer<M extends (items: readonly never[]) => Promise<unknown[]>> = Awaited<
  ReturnType<M>
>[number];

type ApplyChanges = InventoryStore['applyChanges'];
type Reserve = InventoryStore['reserve'];

/** The group committers of a {@link withGroupCommit} store, one per batch-first function. */
export interface GroupCommits {
  applyChanges: GroupCommitter<Item<ApplyChanges>, Answer<ApplyChanges>>;
  reserve: GroupCommitter<Item<Reserve>, Answer<Reserve>>;
}

/** An {@link InventoryStore} whose stock movements go out group-committed. */
export type BatchingInventoryStore<S extends InventoryStore> = S & {
  readonly groupCommits: GroupCommits;
};

/**
 * Decorates a store so that concurrent `applyChanges` calls of this instance share one
 * `apply_stock_changes` rpc per batch, and concurrent `reserve` calls one `reserve_stock` rpc
 * ({@link GroupCommitter}); each caller still gets the results for its own items. Every other
 * method is the decorated store's own, so the port can grow without this file changing.
 */
export function withGroupCommit<S extends InventoryStore>(
  store: S,
  options?: GroupCommitOptions,
): BatchingInventoryStore<S> {
  const groupCommits: GroupCommits = {
    applyChanges: new GroupCommitter((changes) => store.applyChanges(changes), options),
    reserve: new GroupCommitter((holds) => store.reserve(holds), options),
  };
  return decorate(store, {
    applyChanges: ((changes) => groupCommits.applyChanges.submit(changes)) satisfies ApplyChanges,
    reserve: ((holds) => groupCommits.reserve.submit(holds)) satisfies Reserve,
    groupCommits,
  });
}
