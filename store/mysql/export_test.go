package mysql

// BulkLoad exposes the LOAD DATA loader to the package's external tests.
var BulkLoad = bulkLoad
