/** The shape every locale must have: en's keys, every leaf a string (checked by tsc too). */
import type { en } from './en';

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };

export type Catalogue = Strings<typeof en>;
