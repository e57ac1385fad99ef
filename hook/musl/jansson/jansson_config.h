/* jansson 2.14's public configuration (src/jansson_config.h.in) for the
 * musl build of hook/musl/musl.mk: the values Debian's configure gives its
 * libjansson-dev on x86_64, which the glibc builds link. */
#ifndef JANSSON_CONFIG_H
#define JANSSON_CONFIG_H

#define JSON_INLINE inline
#define JSON_INTEGER_IS_LONG_LONG 1
#define JSON_HAVE_LOCALECONV 1
#define JSON_HAVE_ATOMIC_BUILTINS 1
#define JSON_HAVE_SYNC_BUILTINS 1
#define JSON_PARSER_MAX_DEPTH 2048

#endif
