<?php
/* Warta's local WordPress site, written by warta_cli/wordpress.py at every start from
 * infra/wordpress/wp-config.php. Debian's /etc/wordpress per-host configuration is never read:
 * ABSPATH is set to this site's directory before wp-load.php looks for a wp-config.php. */
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wordpress' );
define( 'DB_PASSWORD', '@DB_PASSWORD@' );
define( 'DB_HOST', 'localhost:@DB_SOCKET@' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$table_prefix = 'wp_';

define( 'AUTH_KEY', '@AUTH_KEY@' );
define( 'SECURE_AUTH_KEY', '@SECURE_AUTH_KEY@' );
define( 'LOGGED_IN_KEY', '@LOGGED_IN_KEY@' );
define( 'NONCE_KEY', '@NONCE_KEY@' );
define( 'AUTH_SALT', '@AUTH_SALT@' );
define( 'SECURE_AUTH_SALT', '@SECURE_AUTH_SALT@' );
define( 'LOGGED_IN_SALT', '@LOGGED_IN_SALT@' );
define( 'NONCE_SALT', '@NONCE_SALT@' );

/* The port can change between starts; the URL stored in the database is never used. */
define( 'WP_HOME', '@URL@' );
define( 'WP_SITEURL', '@URL@' );
define( 'WP_CONTENT_DIR', '@SITE@/wp-content' );
define( 'WP_CONTENT_URL', '@URL@/wp-content' );

/* Application Passwords over plain http are allowed on a local environment only. */
define( 'WP_ENVIRONMENT_TYPE', 'local' );
/* Posts are filtered by KSES for every account, administrators included. */
define( 'DISALLOW_UNFILTERED_HTML', true );
/* No outside network: no update checks, no cron requests tying up a worker. */
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'FS_METHOD', 'direct' );
/* GD decodes a 12-megapixel photo into about 50 MB before making its sizes. */
define( 'WP_MEMORY_LIMIT', '256M' );
define( 'WP_MAX_MEMORY_LIMIT', '512M' );
define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
