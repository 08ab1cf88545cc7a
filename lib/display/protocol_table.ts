// GENERATED from Wayland protocol XML files: do not edit. Regenerate with
//   deno run --allow-read --allow-write lib/display/generate_protocol_table.ts \
//     --source '/usr/share/wayland: libwayland-dev 1.21.0-1 (Debian bookworm)' \
//     --source '/tmp/trixie/wp/usr/share/wayland-protocols: wayland-protocols 1.44-1 (Debian trixie; dpkg-deb -x wayland-protocols_1.44-1_all.deb /tmp/trixie/wp)' \
//     lib/display/protocol_table.ts /usr/share/wayland /tmp/trixie/wp/usr/share/wayland-protocols
// Sources:
//   /usr/share/wayland: libwayland-dev 1.21.0-1 (Debian bookworm)
//   /tmp/trixie/wp/usr/share/wayland-protocols: wayland-protocols 1.44-1 (Debian trixie; dpkg-deb -x wayland-protocols_1.44-1_all.deb /tmp/trixie/wp)
// Left out (an interface name clashes with a newer protocol's):
//   xdg_shell_unstable_v5: its xdg_surface differs from the newer one

/**
 * 167 interfaces, 771 messages, in the format that
 * `table_format.ts` describes.
 */
export const PROTOCOL_TABLE = `
ext_data_control_device_v1 version 1
  request set_selection(source: ?object<ext_data_control_source_v1>)
  request destroy() destructor
  request set_primary_selection(source: ?object<ext_data_control_source_v1>)
  event data_offer(id: new_id<ext_data_control_offer_v1>)
  event selection(id: ?object<ext_data_control_offer_v1>)
  event finished()
  event primary_selection(id: ?object<ext_data_control_offer_v1>)
ext_data_control_manager_v1 version 1
  request create_data_source(id: new_id<ext_data_control_source_v1>)
  request get_data_device(id: new_id<ext_data_control_device_v1>, seat: object<wl_seat>)
  request destroy() destructor
ext_data_control_offer_v1 version 1
  request receive(mime_type: string, fd: fd)
  request destroy() destructor
  event offer(mime_type: string)
ext_data_control_source_v1 version 1
  request offer(mime_type: string)
  request destroy() destructor
  event send(mime_type: string, fd: fd)
  event cancelled()
ext_foreign_toplevel_handle_v1 version 1
  request destroy() destructor
  event closed()
  event done()
  event title(title: string)
  event app_id(app_id: string)
  event identifier(identifier: string)
ext_foreign_toplevel_image_capture_source_manager_v1 version 1
  request create_source(source: new_id<ext_image_capture_source_v1>, toplevel_handle: object<ext_foreign_toplevel_handle_v1>)
  request destroy() destructor
ext_foreign_toplevel_list_v1 version 1
  request stop()
  request destroy() destructor
  event toplevel(toplevel: new_id<ext_foreign_toplevel_handle_v1>)
  event finished()
ext_idle_notification_v1 version 2
  request destroy() destructor
  event idled()
  event resumed()
ext_idle_notifier_v1 version 2
  request destroy() destructor
  request get_idle_notification(id: new_id<ext_idle_notification_v1>, timeout: uint, seat: object<wl_seat>)
  request get_input_idle_notification(id: new_id<ext_idle_notification_v1>, timeout: uint, seat: object<wl_seat>) since 2
ext_image_capture_source_v1 version 1
  request destroy() destructor
ext_image_copy_capture_cursor_session_v1 version 1
  request destroy() destructor
  request get_capture_session(session: new_id<ext_image_copy_capture_session_v1>)
  event enter()
  event leave()
  event position(x: int, y: int)
  event hotspot(x: int, y: int)
ext_image_copy_capture_frame_v1 version 1
  request destroy() destructor
  request attach_buffer(buffer: object<wl_buffer>)
  request damage_buffer(x: int, y: int, width: int, height: int)
  request capture()
  event transform(transform: uint)
  event damage(x: int, y: int, width: int, height: int)
  event presentation_time(tv_sec_hi: uint, tv_sec_lo: uint, tv_nsec: uint)
  event ready()
  event failed(reason: uint)
ext_image_copy_capture_manager_v1 version 1
  request create_session(session: new_id<ext_image_copy_capture_session_v1>, source: object<ext_image_capture_source_v1>, options: uint)
  request create_pointer_cursor_session(session: new_id<ext_image_copy_capture_cursor_session_v1>, source: object<ext_image_capture_source_v1>, pointer: object<wl_pointer>)
  request destroy() destructor
ext_image_copy_capture_session_v1 version 1
  request create_frame(frame: new_id<ext_image_copy_capture_frame_v1>)
  request destroy() destructor
  event buffer_size(width: uint, height: uint)
  event shm_format(format: uint)
  event dmabuf_device(device: array)
  event dmabuf_format(format: uint, modifiers: array)
  event done()
  event stopped()
ext_output_image_capture_source_manager_v1 version 1
  request create_source(source: new_id<ext_image_capture_source_v1>, output: object<wl_output>)
  request destroy() destructor
ext_session_lock_manager_v1 version 1
  request destroy() destructor
  request lock(id: new_id<ext_session_lock_v1>)
ext_session_lock_surface_v1 version 1
  request destroy() destructor
  request ack_configure(serial: uint)
  event configure(serial: uint, width: uint, height: uint)
ext_session_lock_v1 version 1
  request destroy() destructor
  request get_lock_surface(id: new_id<ext_session_lock_surface_v1>, surface: object<wl_surface>, output: object<wl_output>)
  request unlock_and_destroy() destructor
  event locked()
  event finished()
ext_transient_seat_manager_v1 version 1
  request create(seat: new_id<ext_transient_seat_v1>)
  request destroy() destructor
ext_transient_seat_v1 version 1
  request destroy() destructor
  event ready(global_name: uint)
  event denied()
ext_workspace_group_handle_v1 version 1
  request create_workspace(workspace: string)
  request destroy() destructor
  event capabilities(capabilities: uint)
  event output_enter(output: object<wl_output>)
  event output_leave(output: object<wl_output>)
  event workspace_enter(workspace: object<ext_workspace_handle_v1>)
  event workspace_leave(workspace: object<ext_workspace_handle_v1>)
  event removed()
ext_workspace_handle_v1 version 1
  request destroy() destructor
  request activate()
  request deactivate()
  request assign(workspace_group: object<ext_workspace_group_handle_v1>)
  request remove()
  event id(id: string)
  event name(name: string)
  event coordinates(coordinates: array)
  event state(state: uint)
  event capabilities(capabilities: uint)
  event removed()
ext_workspace_manager_v1 version 1
  request commit()
  request stop()
  event workspace_group(workspace_group: new_id<ext_workspace_group_handle_v1>)
  event workspace(workspace: new_id<ext_workspace_handle_v1>)
  event done()
  event finished() destructor
wl_buffer version 1
  request destroy() destructor
  event release()
wl_callback version 1
  event done(callback_data: uint) destructor
wl_compositor version 5
  request create_surface(id: new_id<wl_surface>)
  request create_region(id: new_id<wl_region>)
wl_data_device version 3
  request start_drag(source: ?object<wl_data_source>, origin: object<wl_surface>, icon: ?object<wl_surface>, serial: uint)
  request set_selection(source: ?object<wl_data_source>, serial: uint)
  request release() since 2 destructor
  event data_offer(id: new_id<wl_data_offer>)
  event enter(serial: uint, surface: object<wl_surface>, x: fixed, y: fixed, id: ?object<wl_data_offer>)
  event leave()
  event motion(time: uint, x: fixed, y: fixed)
  event drop()
  event selection(id: ?object<wl_data_offer>)
wl_data_device_manager version 3
  request create_data_source(id: new_id<wl_data_source>)
  request get_data_device(id: new_id<wl_data_device>, seat: object<wl_seat>)
wl_data_offer version 3
  request accept(serial: uint, mime_type: ?string)
  request receive(mime_type: string, fd: fd)
  request destroy() destructor
  request finish() since 3
  request set_actions(dnd_actions: uint, preferred_action: uint) since 3
  event offer(mime_type: string)
  event source_actions(source_actions: uint) since 3
  event action(dnd_action: uint) since 3
wl_data_source version 3
  request offer(mime_type: string)
  request destroy() destructor
  request set_actions(dnd_actions: uint) since 3
  event target(mime_type: ?string)
  event send(mime_type: string, fd: fd)
  event cancelled()
  event dnd_drop_performed() since 3
  event dnd_finished() since 3
  event action(dnd_action: uint) since 3
wl_display version 1
  request sync(callback: new_id<wl_callback>)
  request get_registry(registry: new_id<wl_registry>)
  event error(object_id: object, code: uint, message: string)
  event delete_id(id: uint)
wl_keyboard version 8
  request release() since 3 destructor
  event keymap(format: uint, fd: fd, size: uint)
  event enter(serial: uint, surface: object<wl_surface>, keys: array)
  event leave(serial: uint, surface: object<wl_surface>)
  event key(serial: uint, time: uint, key: uint, state: uint)
  event modifiers(serial: uint, mods_depressed: uint, mods_latched: uint, mods_locked: uint, group: uint)
  event repeat_info(rate: int, delay: int) since 4
wl_output version 4
  request release() since 3 destructor
  event geometry(x: int, y: int, physical_width: int, physical_height: int, subpixel: int, make: string, model: string, transform: int)
  event mode(flags: uint, width: int, height: int, refresh: int)
  event done() since 2
  event scale(factor: int) since 2
  event name(name: string) since 4
  event description(description: string) since 4
wl_pointer version 8
  request set_cursor(serial: uint, surface: ?object<wl_surface>, hotspot_x: int, hotspot_y: int)
  request release() since 3 destructor
  event enter(serial: uint, surface: object<wl_surface>, surface_x: fixed, surface_y: fixed)
  event leave(serial: uint, surface: object<wl_surface>)
  event motion(time: uint, surface_x: fixed, surface_y: fixed)
  event button(serial: uint, time: uint, button: uint, state: uint)
  event axis(time: uint, axis: uint, value: fixed)
  event frame() since 5
  event axis_source(axis_source: uint) since 5
  event axis_stop(time: uint, axis: uint) since 5
  event axis_discrete(axis: uint, discrete: int) since 5
  event axis_value120(axis: uint, value120: int) since 8
wl_region version 1
  request destroy() destructor
  request add(x: int, y: int, width: int, height: int)
  request subtract(x: int, y: int, width: int, height: int)
wl_registry version 1
  request bind(name: uint, id: new_id)
  event global(name: uint, interface: string, version: uint)
  event global_remove(name: uint)
wl_seat version 8
  request get_pointer(id: new_id<wl_pointer>)
  request get_keyboard(id: new_id<wl_keyboard>)
  request get_touch(id: new_id<wl_touch>)
  request release() since 5 destructor
  event capabilities(capabilities: uint)
  event name(name: string) since 2
wl_shell version 1
  request get_shell_surface(id: new_id<wl_shell_surface>, surface: object<wl_surface>)
wl_shell_surface version 1
  request pong(serial: uint)
  request move(seat: object<wl_seat>, serial: uint)
  request resize(seat: object<wl_seat>, serial: uint, edges: uint)
  request set_toplevel()
  request set_transient(parent: object<wl_surface>, x: int, y: int, flags: uint)
  request set_fullscreen(method: uint, framerate: uint, output: ?object<wl_output>)
  request set_popup(seat: object<wl_seat>, serial: uint, parent: object<wl_surface>, x: int, y: int, flags: uint)
  request set_maximized(output: ?object<wl_output>)
  request set_title(title: string)
  request set_class(class_: string)
  event ping(serial: uint)
  event configure(edges: uint, width: int, height: int)
  event popup_done()
wl_shm version 1
  request create_pool(id: new_id<wl_shm_pool>, fd: fd, size: int)
  event format(format: uint)
wl_shm_pool version 1
  request create_buffer(id: new_id<wl_buffer>, offset: int, width: int, height: int, stride: int, format: uint)
  request destroy() destructor
  request resize(size: int)
wl_subcompositor version 1
  request destroy() destructor
  request get_subsurface(id: new_id<wl_subsurface>, surface: object<wl_surface>, parent: object<wl_surface>)
wl_subsurface version 1
  request destroy() destructor
  request set_position(x: int, y: int)
  request place_above(sibling: object<wl_surface>)
  request place_below(sibling: object<wl_surface>)
  request set_sync()
  request set_desync()
wl_surface version 5
  request destroy() destructor
  request attach(buffer: ?object<wl_buffer>, x: int, y: int)
  request damage(x: int, y: int, width: int, height: int)
  request frame(callback: new_id<wl_callback>)
  request set_opaque_region(region: ?object<wl_region>)
  request set_input_region(region: ?object<wl_region>)
  request commit()
  request set_buffer_transform(transform: int) since 2
  request set_buffer_scale(scale: int) since 3
  request damage_buffer(x: int, y: int, width: int, height: int) since 4
  request offset(x: int, y: int) since 5
  event enter(output: object<wl_output>)
  event leave(output: object<wl_output>)
wl_touch version 8
  request release() since 3 destructor
  event down(serial: uint, time: uint, surface: object<wl_surface>, id: int, x: fixed, y: fixed)
  event up(serial: uint, time: uint, id: int)
  event motion(time: uint, id: int, x: fixed, y: fixed)
  event frame()
  event cancel()
  event shape(id: int, major: fixed, minor: fixed) since 6
  event orientation(id: int, orientation: fixed) since 6
wp_alpha_modifier_surface_v1 version 1
  request destroy() destructor
  request set_multiplier(factor: uint)
wp_alpha_modifier_v1 version 1
  request destroy() destructor
  request get_surface(id: new_id<wp_alpha_modifier_surface_v1>, surface: object<wl_surface>)
wp_color_management_output_v1 version 1
  request destroy() destructor
  request get_image_description(image_description: new_id<wp_image_description_v1>)
  event image_description_changed()
wp_color_management_surface_feedback_v1 version 1
  request destroy() destructor
  request get_preferred(image_description: new_id<wp_image_description_v1>)
  request get_preferred_parametric(image_description: new_id<wp_image_description_v1>)
  event preferred_changed(identity: uint)
wp_color_management_surface_v1 version 1
  request destroy() destructor
  request set_image_description(image_description: object<wp_image_description_v1>, render_intent: uint)
  request unset_image_description()
wp_color_manager_v1 version 1
  request destroy() destructor
  request get_output(id: new_id<wp_color_management_output_v1>, output: object<wl_output>)
  request get_surface(id: new_id<wp_color_management_surface_v1>, surface: object<wl_surface>)
  request get_surface_feedback(id: new_id<wp_color_management_surface_feedback_v1>, surface: object<wl_surface>)
  request create_icc_creator(obj: new_id<wp_image_description_creator_icc_v1>)
  request create_parametric_creator(obj: new_id<wp_image_description_creator_params_v1>)
  request create_windows_scrgb(image_description: new_id<wp_image_description_v1>)
  event supported_intent(render_intent: uint)
  event supported_feature(feature: uint)
  event supported_tf_named(tf: uint)
  event supported_primaries_named(primaries: uint)
  event done()
wp_color_representation_manager_v1 version 1
  request destroy() destructor
  request get_surface(id: new_id<wp_color_representation_surface_v1>, surface: object<wl_surface>)
  event supported_alpha_mode(alpha_mode: uint)
  event supported_coefficients_and_ranges(coefficients: uint, range: uint)
  event done()
wp_color_representation_surface_v1 version 1
  request destroy() destructor
  request set_alpha_mode(alpha_mode: uint)
  request set_coefficients_and_range(coefficients: uint, range: uint)
  request set_chroma_location(chroma_location: uint)
wp_commit_timer_v1 version 1
  request set_timestamp(tv_sec_hi: uint, tv_sec_lo: uint, tv_nsec: uint)
  request destroy() destructor
wp_commit_timing_manager_v1 version 1
  request destroy() destructor
  request get_timer(id: new_id<wp_commit_timer_v1>, surface: object<wl_surface>)
wp_content_type_manager_v1 version 1
  request destroy() destructor
  request get_surface_content_type(id: new_id<wp_content_type_v1>, surface: object<wl_surface>)
wp_content_type_v1 version 1
  request destroy() destructor
  request set_content_type(content_type: uint)
wp_cursor_shape_device_v1 version 2
  request destroy() destructor
  request set_shape(serial: uint, shape: uint)
wp_cursor_shape_manager_v1 version 2
  request destroy() destructor
  request get_pointer(cursor_shape_device: new_id<wp_cursor_shape_device_v1>, pointer: object<wl_pointer>)
  request get_tablet_tool_v2(cursor_shape_device: new_id<wp_cursor_shape_device_v1>, tablet_tool: object<zwp_tablet_tool_v2>)
wp_drm_lease_connector_v1 version 1
  request destroy() destructor
  event name(name: string)
  event description(description: string)
  event connector_id(connector_id: uint)
  event done()
  event withdrawn()
wp_drm_lease_device_v1 version 1
  request create_lease_request(id: new_id<wp_drm_lease_request_v1>)
  request release()
  event drm_fd(fd: fd)
  event connector(id: new_id<wp_drm_lease_connector_v1>)
  event done()
  event released() destructor
wp_drm_lease_request_v1 version 1
  request request_connector(connector: object<wp_drm_lease_connector_v1>)
  request submit(id: new_id<wp_drm_lease_v1>) destructor
wp_drm_lease_v1 version 1
  request destroy() destructor
  event lease_fd(leased_fd: fd)
  event finished()
wp_fifo_manager_v1 version 1
  request destroy() destructor
  request get_fifo(id: new_id<wp_fifo_v1>, surface: object<wl_surface>)
wp_fifo_v1 version 1
  request set_barrier()
  request wait_barrier()
  request destroy() destructor
wp_fractional_scale_manager_v1 version 1
  request destroy() destructor
  request get_fractional_scale(id: new_id<wp_fractional_scale_v1>, surface: object<wl_surface>)
wp_fractional_scale_v1 version 1
  request destroy() destructor
  event preferred_scale(scale: uint)
wp_image_description_creator_icc_v1 version 1
  request create(image_description: new_id<wp_image_description_v1>) destructor
  request set_icc_file(icc_profile: fd, offset: uint, length: uint)
wp_image_description_creator_params_v1 version 1
  request create(image_description: new_id<wp_image_description_v1>) destructor
  request set_tf_named(tf: uint)
  request set_tf_power(eexp: uint)
  request set_primaries_named(primaries: uint)
  request set_primaries(r_x: int, r_y: int, g_x: int, g_y: int, b_x: int, b_y: int, w_x: int, w_y: int)
  request set_luminances(min_lum: uint, max_lum: uint, reference_lum: uint)
  request set_mastering_display_primaries(r_x: int, r_y: int, g_x: int, g_y: int, b_x: int, b_y: int, w_x: int, w_y: int)
  request set_mastering_luminance(min_lum: uint, max_lum: uint)
  request set_max_cll(max_cll: uint)
  request set_max_fall(max_fall: uint)
wp_image_description_info_v1 version 1
  event done() destructor
  event icc_file(icc: fd, icc_size: uint)
  event primaries(r_x: int, r_y: int, g_x: int, g_y: int, b_x: int, b_y: int, w_x: int, w_y: int)
  event primaries_named(primaries: uint)
  event tf_power(eexp: uint)
  event tf_named(tf: uint)
  event luminances(min_lum: uint, max_lum: uint, reference_lum: uint)
  event target_primaries(r_x: int, r_y: int, g_x: int, g_y: int, b_x: int, b_y: int, w_x: int, w_y: int)
  event target_luminance(min_lum: uint, max_lum: uint)
  event target_max_cll(max_cll: uint)
  event target_max_fall(max_fall: uint)
wp_image_description_v1 version 1
  request destroy() destructor
  request get_information(information: new_id<wp_image_description_info_v1>)
  event failed(cause: uint, msg: string)
  event ready(identity: uint)
wp_linux_drm_syncobj_manager_v1 version 1
  request destroy() destructor
  request get_surface(id: new_id<wp_linux_drm_syncobj_surface_v1>, surface: object<wl_surface>)
  request import_timeline(id: new_id<wp_linux_drm_syncobj_timeline_v1>, fd: fd)
wp_linux_drm_syncobj_surface_v1 version 1
  request destroy() destructor
  request set_acquire_point(timeline: object<wp_linux_drm_syncobj_timeline_v1>, point_hi: uint, point_lo: uint)
  request set_release_point(timeline: object<wp_linux_drm_syncobj_timeline_v1>, point_hi: uint, point_lo: uint)
wp_linux_drm_syncobj_timeline_v1 version 1
  request destroy() destructor
wp_presentation version 2
  request destroy() destructor
  request feedback(surface: object<wl_surface>, callback: new_id<wp_presentation_feedback>)
  event clock_id(clk_id: uint)
wp_presentation_feedback version 2
  event sync_output(output: object<wl_output>)
  event presented(tv_sec_hi: uint, tv_sec_lo: uint, tv_nsec: uint, refresh: uint, seq_hi: uint, seq_lo: uint, flags: uint) destructor
  event discarded() destructor
wp_security_context_manager_v1 version 1
  request destroy() destructor
  request create_listener(id: new_id<wp_security_context_v1>, listen_fd: fd, close_fd: fd)
wp_security_context_v1 version 1
  request destroy() destructor
  request set_sandbox_engine(name: string)
  request set_app_id(app_id: string)
  request set_instance_id(instance_id: string)
  request commit()
wp_single_pixel_buffer_manager_v1 version 1
  request destroy() destructor
  request create_u32_rgba_buffer(id: new_id<wl_buffer>, r: uint, g: uint, b: uint, a: uint)
wp_tearing_control_manager_v1 version 1
  request destroy() destructor
  request get_tearing_control(id: new_id<wp_tearing_control_v1>, surface: object<wl_surface>)
wp_tearing_control_v1 version 1
  request set_presentation_hint(hint: uint)
  request destroy() destructor
wp_viewport version 1
  request destroy() destructor
  request set_source(x: fixed, y: fixed, width: fixed, height: fixed)
  request set_destination(width: int, height: int)
wp_viewporter version 1
  request destroy() destructor
  request get_viewport(id: new_id<wp_viewport>, surface: object<wl_surface>)
xdg_activation_token_v1 version 1
  request set_serial(serial: uint, seat: object<wl_seat>)
  request set_app_id(app_id: string)
  request set_surface(surface: object<wl_surface>)
  request commit()
  request destroy() destructor
  event done(token: string)
xdg_activation_v1 version 1
  request destroy() destructor
  request get_activation_token(id: new_id<xdg_activation_token_v1>)
  request activate(token: string, surface: object<wl_surface>)
xdg_dialog_v1 version 1
  request destroy() destructor
  request set_modal()
  request unset_modal()
xdg_popup version 7
  request destroy() destructor
  request grab(seat: object<wl_seat>, serial: uint)
  request reposition(positioner: object<xdg_positioner>, token: uint) since 3
  event configure(x: int, y: int, width: int, height: int)
  event popup_done()
  event repositioned(token: uint) since 3
xdg_positioner version 7
  request destroy() destructor
  request set_size(width: int, height: int)
  request set_anchor_rect(x: int, y: int, width: int, height: int)
  request set_anchor(anchor: uint)
  request set_gravity(gravity: uint)
  request set_constraint_adjustment(constraint_adjustment: uint)
  request set_offset(x: int, y: int)
  request set_reactive() since 3
  request set_parent_size(parent_width: int, parent_height: int) since 3
  request set_parent_configure(serial: uint) since 3
xdg_surface version 7
  request destroy() destructor
  request get_toplevel(id: new_id<xdg_toplevel>)
  request get_popup(id: new_id<xdg_popup>, parent: ?object<xdg_surface>, positioner: object<xdg_positioner>)
  request set_window_geometry(x: int, y: int, width: int, height: int)
  request ack_configure(serial: uint)
  event configure(serial: uint)
xdg_system_bell_v1 version 1
  request destroy() destructor
  request ring(surface: ?object<wl_surface>)
xdg_toplevel version 7
  request destroy() destructor
  request set_parent(parent: ?object<xdg_toplevel>)
  request set_title(title: string)
  request set_app_id(app_id: string)
  request show_window_menu(seat: object<wl_seat>, serial: uint, x: int, y: int)
  request move(seat: object<wl_seat>, serial: uint)
  request resize(seat: object<wl_seat>, serial: uint, edges: uint)
  request set_max_size(width: int, height: int)
  request set_min_size(width: int, height: int)
  request set_maximized()
  request unset_maximized()
  request set_fullscreen(output: ?object<wl_output>)
  request unset_fullscreen()
  request set_minimized()
  event configure(width: int, height: int, states: array)
  event close()
  event configure_bounds(width: int, height: int) since 4
  event wm_capabilities(capabilities: array) since 5
xdg_toplevel_drag_manager_v1 version 1
  request destroy() destructor
  request get_xdg_toplevel_drag(id: new_id<xdg_toplevel_drag_v1>, data_source: object<wl_data_source>)
xdg_toplevel_drag_v1 version 1
  request destroy() destructor
  request attach(toplevel: object<xdg_toplevel>, x_offset: int, y_offset: int)
xdg_toplevel_icon_manager_v1 version 1
  request destroy() destructor
  request create_icon(id: new_id<xdg_toplevel_icon_v1>)
  request set_icon(toplevel: object<xdg_toplevel>, icon: ?object<xdg_toplevel_icon_v1>)
  event icon_size(size: int)
  event done()
xdg_toplevel_icon_v1 version 1
  request destroy() destructor
  request set_name(icon_name: string)
  request add_buffer(buffer: object<wl_buffer>, scale: int)
xdg_toplevel_tag_manager_v1 version 1
  request destroy() destructor
  request set_toplevel_tag(toplevel: object<xdg_toplevel>, tag: string)
  request set_toplevel_description(toplevel: object<xdg_toplevel>, description: string)
xdg_wm_base version 7
  request destroy() destructor
  request create_positioner(id: new_id<xdg_positioner>)
  request get_xdg_surface(id: new_id<xdg_surface>, surface: object<wl_surface>)
  request pong(serial: uint)
  event ping(serial: uint)
xdg_wm_dialog_v1 version 1
  request destroy() destructor
  request get_xdg_dialog(id: new_id<xdg_dialog_v1>, toplevel: object<xdg_toplevel>)
xwayland_shell_v1 version 1
  request destroy() destructor
  request get_xwayland_surface(id: new_id<xwayland_surface_v1>, surface: object<wl_surface>)
xwayland_surface_v1 version 1
  request set_serial(serial_lo: uint, serial_hi: uint)
  request destroy() destructor
zwp_confined_pointer_v1 version 1
  request destroy() destructor
  request set_region(region: ?object<wl_region>)
  event confined()
  event unconfined()
zwp_fullscreen_shell_mode_feedback_v1 version 1
  event mode_successful() destructor
  event mode_failed() destructor
  event present_cancelled() destructor
zwp_fullscreen_shell_v1 version 1
  request release() destructor
  request present_surface(surface: ?object<wl_surface>, method: uint, output: ?object<wl_output>)
  request present_surface_for_mode(surface: object<wl_surface>, output: object<wl_output>, framerate: int, feedback: new_id<zwp_fullscreen_shell_mode_feedback_v1>)
  event capability(capability: uint)
zwp_idle_inhibit_manager_v1 version 1
  request destroy() destructor
  request create_inhibitor(id: new_id<zwp_idle_inhibitor_v1>, surface: object<wl_surface>)
zwp_idle_inhibitor_v1 version 1
  request destroy() destructor
zwp_input_method_context_v1 version 1
  request destroy() destructor
  request commit_string(serial: uint, text: string)
  request preedit_string(serial: uint, text: string, commit: string)
  request preedit_styling(index: uint, length: uint, style: uint)
  request preedit_cursor(index: int)
  request delete_surrounding_text(index: int, length: uint)
  request cursor_position(index: int, anchor: int)
  request modifiers_map(map: array)
  request keysym(serial: uint, time: uint, sym: uint, state: uint, modifiers: uint)
  request grab_keyboard(keyboard: new_id<wl_keyboard>)
  request key(serial: uint, time: uint, key: uint, state: uint)
  request modifiers(serial: uint, mods_depressed: uint, mods_latched: uint, mods_locked: uint, group: uint)
  request language(serial: uint, language: string)
  request text_direction(serial: uint, direction: uint)
  event surrounding_text(text: string, cursor: uint, anchor: uint)
  event reset()
  event content_type(hint: uint, purpose: uint)
  event invoke_action(button: uint, index: uint)
  event commit_state(serial: uint)
  event preferred_language(language: string)
zwp_input_method_v1 version 1
  event activate(id: new_id<zwp_input_method_context_v1>)
  event deactivate(context: object<zwp_input_method_context_v1>)
zwp_input_panel_surface_v1 version 1
  request set_toplevel(output: object<wl_output>, position: uint)
  request set_overlay_panel()
zwp_input_panel_v1 version 1
  request get_input_panel_surface(id: new_id<zwp_input_panel_surface_v1>, surface: object<wl_surface>)
zwp_input_timestamps_manager_v1 version 1
  request destroy() destructor
  request get_keyboard_timestamps(id: new_id<zwp_input_timestamps_v1>, keyboard: object<wl_keyboard>)
  request get_pointer_timestamps(id: new_id<zwp_input_timestamps_v1>, pointer: object<wl_pointer>)
  request get_touch_timestamps(id: new_id<zwp_input_timestamps_v1>, touch: object<wl_touch>)
zwp_input_timestamps_v1 version 1
  request destroy() destructor
  event timestamp(tv_sec_hi: uint, tv_sec_lo: uint, tv_nsec: uint)
zwp_keyboard_shortcuts_inhibit_manager_v1 version 1
  request destroy() destructor
  request inhibit_shortcuts(id: new_id<zwp_keyboard_shortcuts_inhibitor_v1>, surface: object<wl_surface>, seat: object<wl_seat>)
zwp_keyboard_shortcuts_inhibitor_v1 version 1
  request destroy() destructor
  event active()
  event inactive()
zwp_linux_buffer_params_v1 version 5
  request destroy() destructor
  request add(fd: fd, plane_idx: uint, offset: uint, stride: uint, modifier_hi: uint, modifier_lo: uint)
  request create(width: int, height: int, format: uint, flags: uint)
  request create_immed(buffer_id: new_id<wl_buffer>, width: int, height: int, format: uint, flags: uint) since 2
  event created(buffer: new_id<wl_buffer>)
  event failed()
zwp_linux_buffer_release_v1 version 1
  event fenced_release(fence: fd) destructor
  event immediate_release() destructor
zwp_linux_dmabuf_feedback_v1 version 5
  request destroy() destructor
  event done()
  event format_table(fd: fd, size: uint)
  event main_device(device: array)
  event tranche_done()
  event tranche_target_device(device: array)
  event tranche_formats(indices: array)
  event tranche_flags(flags: uint)
zwp_linux_dmabuf_v1 version 5
  request destroy() destructor
  request create_params(params_id: new_id<zwp_linux_buffer_params_v1>)
  request get_default_feedback(id: new_id<zwp_linux_dmabuf_feedback_v1>) since 4
  request get_surface_feedback(id: new_id<zwp_linux_dmabuf_feedback_v1>, surface: object<wl_surface>) since 4
  event format(format: uint)
  event modifier(format: uint, modifier_hi: uint, modifier_lo: uint) since 3
zwp_linux_explicit_synchronization_v1 version 2
  request destroy() destructor
  request get_synchronization(id: new_id<zwp_linux_surface_synchronization_v1>, surface: object<wl_surface>)
zwp_linux_surface_synchronization_v1 version 2
  request destroy() destructor
  request set_acquire_fence(fd: fd)
  request get_release(release: new_id<zwp_linux_buffer_release_v1>)
zwp_locked_pointer_v1 version 1
  request destroy() destructor
  request set_cursor_position_hint(surface_x: fixed, surface_y: fixed)
  request set_region(region: ?object<wl_region>)
  event locked()
  event unlocked()
zwp_pointer_constraints_v1 version 1
  request destroy() destructor
  request lock_pointer(id: new_id<zwp_locked_pointer_v1>, surface: object<wl_surface>, pointer: object<wl_pointer>, region: ?object<wl_region>, lifetime: uint)
  request confine_pointer(id: new_id<zwp_confined_pointer_v1>, surface: object<wl_surface>, pointer: object<wl_pointer>, region: ?object<wl_region>, lifetime: uint)
zwp_pointer_gesture_hold_v1 version 3
  request destroy() since 3 destructor
  event begin(serial: uint, time: uint, surface: object<wl_surface>, fingers: uint) since 3
  event end(serial: uint, time: uint, cancelled: int) since 3
zwp_pointer_gesture_pinch_v1 version 2
  request destroy() destructor
  event begin(serial: uint, time: uint, surface: object<wl_surface>, fingers: uint)
  event update(time: uint, dx: fixed, dy: fixed, scale: fixed, rotation: fixed)
  event end(serial: uint, time: uint, cancelled: int)
zwp_pointer_gesture_swipe_v1 version 2
  request destroy() destructor
  event begin(serial: uint, time: uint, surface: object<wl_surface>, fingers: uint)
  event update(time: uint, dx: fixed, dy: fixed)
  event end(serial: uint, time: uint, cancelled: int)
zwp_pointer_gestures_v1 version 3
  request get_swipe_gesture(id: new_id<zwp_pointer_gesture_swipe_v1>, pointer: object<wl_pointer>)
  request get_pinch_gesture(id: new_id<zwp_pointer_gesture_pinch_v1>, pointer: object<wl_pointer>)
  request release() since 2 destructor
  request get_hold_gesture(id: new_id<zwp_pointer_gesture_hold_v1>, pointer: object<wl_pointer>) since 3
zwp_primary_selection_device_manager_v1 version 1
  request create_source(id: new_id<zwp_primary_selection_source_v1>)
  request get_device(id: new_id<zwp_primary_selection_device_v1>, seat: object<wl_seat>)
  request destroy() destructor
zwp_primary_selection_device_v1 version 1
  request set_selection(source: ?object<zwp_primary_selection_source_v1>, serial: uint)
  request destroy() destructor
  event data_offer(offer: new_id<zwp_primary_selection_offer_v1>)
  event selection(id: ?object<zwp_primary_selection_offer_v1>)
zwp_primary_selection_offer_v1 version 1
  request receive(mime_type: string, fd: fd)
  request destroy() destructor
  event offer(mime_type: string)
zwp_primary_selection_source_v1 version 1
  request offer(mime_type: string)
  request destroy() destructor
  event send(mime_type: string, fd: fd)
  event cancelled()
zwp_relative_pointer_manager_v1 version 1
  request destroy() destructor
  request get_relative_pointer(id: new_id<zwp_relative_pointer_v1>, pointer: object<wl_pointer>)
zwp_relative_pointer_v1 version 1
  request destroy() destructor
  event relative_motion(utime_hi: uint, utime_lo: uint, dx: fixed, dy: fixed, dx_unaccel: fixed, dy_unaccel: fixed)
zwp_tablet_manager_v1 version 1
  request get_tablet_seat(tablet_seat: new_id<zwp_tablet_seat_v1>, seat: object<wl_seat>)
  request destroy() destructor
zwp_tablet_manager_v2 version 2
  request get_tablet_seat(tablet_seat: new_id<zwp_tablet_seat_v2>, seat: object<wl_seat>)
  request destroy() destructor
zwp_tablet_pad_dial_v2 version 2
  request set_feedback(description: string, serial: uint)
  request destroy() destructor
  event delta(value120: int)
  event frame(time: uint)
zwp_tablet_pad_group_v2 version 2
  request destroy() destructor
  event buttons(buttons: array)
  event ring(ring: new_id<zwp_tablet_pad_ring_v2>)
  event strip(strip: new_id<zwp_tablet_pad_strip_v2>)
  event modes(modes: uint)
  event done()
  event mode_switch(time: uint, serial: uint, mode: uint)
  event dial(dial: new_id<zwp_tablet_pad_dial_v2>) since 2
zwp_tablet_pad_ring_v2 version 2
  request set_feedback(description: string, serial: uint)
  request destroy() destructor
  event source(source: uint)
  event angle(degrees: fixed)
  event stop()
  event frame(time: uint)
zwp_tablet_pad_strip_v2 version 2
  request set_feedback(description: string, serial: uint)
  request destroy() destructor
  event source(source: uint)
  event position(position: uint)
  event stop()
  event frame(time: uint)
zwp_tablet_pad_v2 version 2
  request set_feedback(button: uint, description: string, serial: uint)
  request destroy() destructor
  event group(pad_group: new_id<zwp_tablet_pad_group_v2>)
  event path(path: string)
  event buttons(buttons: uint)
  event done()
  event button(time: uint, button: uint, state: uint)
  event enter(serial: uint, tablet: object<zwp_tablet_v2>, surface: object<wl_surface>)
  event leave(serial: uint, surface: object<wl_surface>)
  event removed()
zwp_tablet_seat_v1 version 1
  request destroy() destructor
  event tablet_added(id: new_id<zwp_tablet_v1>)
  event tool_added(id: new_id<zwp_tablet_tool_v1>)
zwp_tablet_seat_v2 version 2
  request destroy() destructor
  event tablet_added(id: new_id<zwp_tablet_v2>)
  event tool_added(id: new_id<zwp_tablet_tool_v2>)
  event pad_added(id: new_id<zwp_tablet_pad_v2>)
zwp_tablet_tool_v1 version 1
  request set_cursor(serial: uint, surface: ?object<wl_surface>, hotspot_x: int, hotspot_y: int)
  request destroy() destructor
  event type(tool_type: uint)
  event hardware_serial(hardware_serial_hi: uint, hardware_serial_lo: uint)
  event hardware_id_wacom(hardware_id_hi: uint, hardware_id_lo: uint)
  event capability(capability: uint)
  event done()
  event removed()
  event proximity_in(serial: uint, tablet: object<zwp_tablet_v1>, surface: object<wl_surface>)
  event proximity_out()
  event down(serial: uint)
  event up()
  event motion(x: fixed, y: fixed)
  event pressure(pressure: uint)
  event distance(distance: uint)
  event tilt(tilt_x: int, tilt_y: int)
  event rotation(degrees: int)
  event slider(position: int)
  event wheel(degrees: int, clicks: int)
  event button(serial: uint, button: uint, state: uint)
  event frame(time: uint)
zwp_tablet_tool_v2 version 2
  request set_cursor(serial: uint, surface: ?object<wl_surface>, hotspot_x: int, hotspot_y: int)
  request destroy() destructor
  event type(tool_type: uint)
  event hardware_serial(hardware_serial_hi: uint, hardware_serial_lo: uint)
  event hardware_id_wacom(hardware_id_hi: uint, hardware_id_lo: uint)
  event capability(capability: uint)
  event done()
  event removed()
  event proximity_in(serial: uint, tablet: object<zwp_tablet_v2>, surface: object<wl_surface>)
  event proximity_out()
  event down(serial: uint)
  event up()
  event motion(x: fixed, y: fixed)
  event pressure(pressure: uint)
  event distance(distance: uint)
  event tilt(tilt_x: fixed, tilt_y: fixed)
  event rotation(degrees: fixed)
  event slider(position: int)
  event wheel(degrees: fixed, clicks: int)
  event button(serial: uint, button: uint, state: uint)
  event frame(time: uint)
zwp_tablet_v1 version 1
  request destroy() destructor
  event name(name: string)
  event id(vid: uint, pid: uint)
  event path(path: string)
  event done()
  event removed()
zwp_tablet_v2 version 2
  request destroy() destructor
  event name(name: string)
  event id(vid: uint, pid: uint)
  event path(path: string)
  event done()
  event removed()
  event bustype(bustype: uint) since 2
zwp_text_input_manager_v1 version 1
  request create_text_input(id: new_id<zwp_text_input_v1>)
zwp_text_input_manager_v3 version 1
  request destroy() destructor
  request get_text_input(id: new_id<zwp_text_input_v3>, seat: object<wl_seat>)
zwp_text_input_v1 version 1
  request activate(seat: object<wl_seat>, surface: object<wl_surface>)
  request deactivate(seat: object<wl_seat>)
  request show_input_panel()
  request hide_input_panel()
  request reset()
  request set_surrounding_text(text: string, cursor: uint, anchor: uint)
  request set_content_type(hint: uint, purpose: uint)
  request set_cursor_rectangle(x: int, y: int, width: int, height: int)
  request set_preferred_language(language: string)
  request commit_state(serial: uint)
  request invoke_action(button: uint, index: uint)
  event enter(surface: object<wl_surface>)
  event leave()
  event modifiers_map(map: array)
  event input_panel_state(state: uint)
  event preedit_string(serial: uint, text: string, commit: string)
  event preedit_styling(index: uint, length: uint, style: uint)
  event preedit_cursor(index: int)
  event commit_string(serial: uint, text: string)
  event cursor_position(index: int, anchor: int)
  event delete_surrounding_text(index: int, length: uint)
  event keysym(serial: uint, time: uint, sym: uint, state: uint, modifiers: uint)
  event language(serial: uint, language: string)
  event text_direction(serial: uint, direction: uint)
zwp_text_input_v3 version 1
  request destroy() destructor
  request enable()
  request disable()
  request set_surrounding_text(text: string, cursor: int, anchor: int)
  request set_text_change_cause(cause: uint)
  request set_content_type(hint: uint, purpose: uint)
  request set_cursor_rectangle(x: int, y: int, width: int, height: int)
  request commit()
  event enter(surface: object<wl_surface>)
  event leave(surface: object<wl_surface>)
  event preedit_string(text: ?string, cursor_begin: int, cursor_end: int)
  event commit_string(text: ?string)
  event delete_surrounding_text(before_length: uint, after_length: uint)
  event done(serial: uint)
zwp_xwayland_keyboard_grab_manager_v1 version 1
  request destroy() destructor
  request grab_keyboard(id: new_id<zwp_xwayland_keyboard_grab_v1>, surface: object<wl_surface>, seat: object<wl_seat>)
zwp_xwayland_keyboard_grab_v1 version 1
  request destroy() destructor
zxdg_decoration_manager_v1 version 1
  request destroy() destructor
  request get_toplevel_decoration(id: new_id<zxdg_toplevel_decoration_v1>, toplevel: object<xdg_toplevel>)
zxdg_exported_v1 version 1
  request destroy() destructor
  event handle(handle: string)
zxdg_exported_v2 version 1
  request destroy() destructor
  event handle(handle: string)
zxdg_exporter_v1 version 1
  request destroy() destructor
  request export(id: new_id<zxdg_exported_v1>, surface: object<wl_surface>)
zxdg_exporter_v2 version 1
  request destroy() destructor
  request export_toplevel(id: new_id<zxdg_exported_v2>, surface: object<wl_surface>)
zxdg_imported_v1 version 1
  request destroy() destructor
  request set_parent_of(surface: object<wl_surface>)
  event destroyed()
zxdg_imported_v2 version 1
  request destroy() destructor
  request set_parent_of(surface: object<wl_surface>)
  event destroyed()
zxdg_importer_v1 version 1
  request destroy() destructor
  request import(id: new_id<zxdg_imported_v1>, handle: string)
zxdg_importer_v2 version 1
  request destroy() destructor
  request import_toplevel(id: new_id<zxdg_imported_v2>, handle: string)
zxdg_output_manager_v1 version 3
  request destroy() destructor
  request get_xdg_output(id: new_id<zxdg_output_v1>, output: object<wl_output>)
zxdg_output_v1 version 3
  request destroy() destructor
  event logical_position(x: int, y: int)
  event logical_size(width: int, height: int)
  event done()
  event name(name: string) since 2
  event description(description: string) since 2
zxdg_popup_v6 version 1
  request destroy() destructor
  request grab(seat: object<wl_seat>, serial: uint)
  event configure(x: int, y: int, width: int, height: int)
  event popup_done()
zxdg_positioner_v6 version 1
  request destroy() destructor
  request set_size(width: int, height: int)
  request set_anchor_rect(x: int, y: int, width: int, height: int)
  request set_anchor(anchor: uint)
  request set_gravity(gravity: uint)
  request set_constraint_adjustment(constraint_adjustment: uint)
  request set_offset(x: int, y: int)
zxdg_shell_v6 version 1
  request destroy() destructor
  request create_positioner(id: new_id<zxdg_positioner_v6>)
  request get_xdg_surface(id: new_id<zxdg_surface_v6>, surface: object<wl_surface>)
  request pong(serial: uint)
  event ping(serial: uint)
zxdg_surface_v6 version 1
  request destroy() destructor
  request get_toplevel(id: new_id<zxdg_toplevel_v6>)
  request get_popup(id: new_id<zxdg_popup_v6>, parent: object<zxdg_surface_v6>, positioner: object<zxdg_positioner_v6>)
  request set_window_geometry(x: int, y: int, width: int, height: int)
  request ack_configure(serial: uint)
  event configure(serial: uint)
zxdg_toplevel_decoration_v1 version 1
  request destroy() destructor
  request set_mode(mode: uint)
  request unset_mode()
  event configure(mode: uint)
zxdg_toplevel_v6 version 1
  request destroy() destructor
  request set_parent(parent: ?object<zxdg_toplevel_v6>)
  request set_title(title: string)
  request set_app_id(app_id: string)
  request show_window_menu(seat: object<wl_seat>, serial: uint, x: int, y: int)
  request move(seat: object<wl_seat>, serial: uint)
  request resize(seat: object<wl_seat>, serial: uint, edges: uint)
  request set_max_size(width: int, height: int)
  request set_min_size(width: int, height: int)
  request set_maximized()
  request unset_maximized()
  request set_fullscreen(output: ?object<wl_output>)
  request unset_fullscreen()
  request set_minimized()
  event configure(width: int, height: int, states: array)
  event close()
`;
