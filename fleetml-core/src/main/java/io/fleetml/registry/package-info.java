/**
 * The model registry: a registered fleet model is a name with numbered versions, each version a whole fleet (one
 * finished session's chosen device models, and its fleet model and stack when it has them), and aliases such as
 * {@code champion} that point at a version. Registering copies no model bytes: a version names its session.
 */
package io.fleetml.registry;
