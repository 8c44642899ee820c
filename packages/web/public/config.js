// Deployed default. The local runtime serves its own /config.js (with the dev key) in place of this one.
window.RUSHES_CONFIG = window.RUSHES_CONFIG || {};
