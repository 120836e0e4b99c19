/**
 * The bridge between Bifrost rooms and a selective forwarding unit (SFU) for one-to-many
 * broadcasts. Mesh rooms, the single-node default, do not use it.
 */
package io.bifrost.sfu;
