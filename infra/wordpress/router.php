<?php
/* php -S router: existing files are served (or run) as they are, the rest goes to WordPress's
 * index.php, as Apache's rewrite rules for pretty permalinks would do. */
$path = urldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) ?? '/' );
$file = $_SERVER['DOCUMENT_ROOT'] . $path;
if ( $path !== '/' && ( is_file( $file ) || is_file( rtrim( $file, '/' ) . '/index.php' ) ) ) {
	return false;
}
/* php -S does not prepend auto_prepend_file to the router itself. */
require_once ini_get( 'auto_prepend_file' );
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
require $_SERVER['SCRIPT_FILENAME'];
