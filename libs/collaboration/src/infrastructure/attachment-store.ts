import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where attachment bytes live (the storage port): local disk in standalone and the local stack; an object store in a cluster. */
export interface AttachmentStore {
  put(id: string, bytes: Buffer): Promise<void>;
  get(id: string): Promise<Buffer | undefined>;
}

/** Files under one directory, named by attachment id; written to a temporary name first so a crash leaves no half file. */
export class LocalDiskStore implements AttachmentStore {
  constructor(private readonly directory: string) {}

  async put(id: string, bytes: Buffer): Promise<void> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('attachment ids are uuids');
    await mkdir(this.directory, { recursive: true });
    const target = join(this.directory, id);
    await writeFile(`${target}.part`, bytes);
    await rename(`${target}.part`, target);
  }

  async get(id: string): Promise<Buffer | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    try {
      return await readFile(join(this.directory, id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

export const ATTACHMENT_STORE = Symbol('AttachmentStore');
