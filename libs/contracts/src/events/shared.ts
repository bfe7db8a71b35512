import { Type } from '@sinclair/typebox';

/** A person's username, as the events name who did what. */
export const Username = Type.String({ minLength: 1, maxLength: 100 });
