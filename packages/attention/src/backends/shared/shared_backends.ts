/**
 * Backends the shared host-path kernels register for: every host-path
 * backend except `cpu`, whose direct kernels live in backends/cpu/ (two
 * registrations of one name on one backend would replace each other, with a
 * warning).
 */
import { HOST_BACKENDS } from '../host_path';

export const SHARED_BACKENDS: readonly string[] = HOST_BACKENDS.filter((b) => b !== 'cpu');
