<?php
/* Finishes the local site's install once and makes sure Warta's publishing account has a
 * working Application Password. Run by warta_cli/wordpress.py with `php -c php.ini setup.php`;
 * reads a JSON object on stdin, writes one on stdout. WP-CLI is not packaged in Debian 12. */
$in = json_decode( stream_get_contents( STDIN ), true );
$_SERVER['HTTP_HOST'] = parse_url( $in['url'], PHP_URL_HOST ) . ':' . parse_url( $in['url'], PHP_URL_PORT );
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
define( 'WP_INSTALLING', true );
require ABSPATH . 'wp-load.php';

/* No mail server here: the "your new site" message is not sent. */
function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {}
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$installed_now = false;
if ( ! is_blog_installed() ) {
	wp_install( $in['title'], $in['admin'], $in['admin_email'], true, '', wp_slash( $in['admin_password'] ), $in['locale'] );
	update_option( 'blogdescription', $in['tagline'] );
	update_option( 'timezone_string', $in['timezone'] );
	/* Pretty permalinks: the REST API at /wp-json/, posts at /YYYY/MM/DD/slug/. */
	global $wp_rewrite;
	$wp_rewrite->set_permalink_structure( '/%year%/%monthnum%/%day%/%postname%/' );
	$wp_rewrite->flush_rules( false );
	/* A government site starts empty: no "Hello world!", sample page or privacy-policy draft. */
	foreach ( get_posts( array( 'post_type' => array( 'post', 'page' ), 'post_status' => 'any', 'numberposts' => -1 ) ) as $post ) {
		wp_delete_post( $post->ID, true );
	}
	$installed_now = true;
}

/* Warta posts as an Editor (uploads, terms, publishing), never as the administrator. */
$user = get_user_by( 'login', $in['username'] );
if ( ! $user ) {
	$id = wp_insert_user( array(
		'user_login' => $in['username'],
		'user_pass'  => wp_generate_password( 32 ),
		'user_email' => $in['email'],
		'display_name' => $in['display_name'],
		'role'       => 'editor',
	) );
	if ( is_wp_error( $id ) ) {
		fwrite( STDERR, $id->get_error_message() . "\n" );
		exit( 1 );
	}
	$user = get_user_by( 'id', $id );
}

$password = $in['app_password'];
$valid = false;
foreach ( WP_Application_Passwords::get_user_application_passwords( $user->ID ) as $item ) {
	if ( $item['name'] === $in['app_name'] ) {
		if ( $password && wp_check_password( $password, $item['password'], $user->ID ) ) {
			$valid = true;
		} else {
			WP_Application_Passwords::delete_application_password( $user->ID, $item['uuid'] );
		}
	}
}
if ( ! $valid ) {
	$created = WP_Application_Passwords::create_new_application_password( $user->ID, array( 'name' => $in['app_name'] ) );
	if ( is_wp_error( $created ) ) {
		fwrite( STDERR, $created->get_error_message() . "\n" );
		exit( 1 );
	}
	$password = $created[0];
}
echo json_encode( array(
	'installed_now' => $installed_now,
	'app_password'  => $password,
	'locale'        => get_option( 'WPLANG' ),
) ), "\n";
