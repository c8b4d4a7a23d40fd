/**
 * The files service's client for the renderer's stores (issue 16), in one place, so the unit tests'
 * in-memory fake (the mocked rpc module's `files`) stands in for it like every other service.
 */
import type { IFilesService } from '../../shared/contract/files';
import { rpc } from '../rpc';

export function filesApi(): IFilesService {
  return rpc.files;
}
