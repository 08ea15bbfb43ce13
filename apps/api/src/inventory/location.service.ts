import {
  ERROR_CODES,
  StockwireError,
  type CreateLocationRequest,
  type Location,
  type StockLocation,
  type UpdateLocationRequest,
} from '@stockwire/domain';
import type { InventoryStore, LocationResult } from '../store/inventory.store.js';
import type { LocationDirectory } from '../sync/location.directory.js';
import type { WriteCommitter } from './write.committer.js';

/**
 * The chain's locations: listed from this instance's directory, added and changed in the database
 * and then announced, so every instance's list (and every dashboard's columns) follows.
 */
export class LocationService {
  constructor(
    private readonly store: Pick<InventoryStore, 'createLocation' | 'updateLocation'>,
    private readonly directory: LocationDirectory,
    private readonly committer: WriteCommitter,
  ) {}

  list(): StockLocation[] {
    return this.directory.list();
  }

  get(id: Location): StockLocation {
    const location = this.directory.get(id);
    if (!location) throw notFound(id);
    return location;
  }

  async create(request: CreateLocationRequest): Promise<StockLocation> {
    return this.announced(await this.store.createLocation(request), request.id);
  }

  async update(id: Location, patch: UpdateLocationRequest): Promise<StockLocation> {
    return this.announced(await this.store.updateLocation(id, patch), id);
  }

  private announced(result: LocationResult, id: Location): StockLocation {
    if (!result.ok) {
      if (result.code === 'location_not_found') throw notFound(id);
      throw new StockwireError(ERROR_CODES.LOCATION_EXISTS, `Location ${id} already exists`, {
        field: 'id',
      });
    }
    this.committer.announce({
      type: 'location_changed',
      location: result.location,
      ...this.committer.envelope(),
    });
    return result.location;
  }
}

const notFound = (id: Location) =>
  new StockwireError(ERROR_CODES.LOCATION_NOT_FOUND, `Location ${id} does not exist`);
