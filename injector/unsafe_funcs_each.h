/* Expands SS_EACH(name, FAMILY) once per entry of unsafe_funcs.def, whatever
 * the entry's form; for tables that only need names and families. Define
 * SS_EACH, include this, and it is undefined again. No include guard: it is
 * meant to be included once per table. */
#define SS_FN(name, fam, ...) SS_EACH(name, fam)
#define SS_FV SS_FN
#define SS_VA SS_FN
#define SS_VV SS_FN
#define SS_NR SS_FN
#define SS_AL SS_FN
#include "unsafe_funcs.def"
#undef SS_FN
#undef SS_FV
#undef SS_VA
#undef SS_VV
#undef SS_NR
#undef SS_AL
#undef SS_EACH
