package providerplugin

// EnvDataDir is how the host tells every plugin the directory it may keep
// its own state in: one per plugin, made by the host (0700) inside its
// data dir, so it is backed up and kept across restarts with the rest.
// Unset when the host runs a plugin only to ask it something (plugins
// install, plugins list, init).
const EnvDataDir = "VCC_PLUGIN_DATA_DIR"
