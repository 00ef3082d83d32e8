# Installs what an outside project needs for find_package(Halyard): the
# generator and network tools, the target descriptions, halyard_add_library()
# and halyard_add_network().
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(HALYARD_INSTALL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Halyard)
set(HALYARD_INSTALL_TARGETS_DIR ${CMAKE_INSTALL_DATADIR}/halyard/targets)

set_target_properties(halyard-generate PROPERTIES EXPORT_NAME generate)
set_target_properties(halyard-deploy PROPERTIES EXPORT_NAME deploy)
install(TARGETS halyard-generate halyard-deploy EXPORT HalyardTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT HalyardTargets NAMESPACE Halyard:: DESTINATION ${HALYARD_INSTALL_CMAKE_DIR})
file(GLOB halyard_target_files ${HALYARD_TARGETS_SOURCE_DIR}/*.target)
install(FILES ${halyard_target_files} DESTINATION ${HALYARD_INSTALL_TARGETS_DIR})

if(NOT HALYARD_CLUSTER_INCLUDE_DIRS)
    set(HALYARD_INSTALL_CLUSTER_INCLUDE_DIR "")
else()
    set(HALYARD_INSTALL_CLUSTER_INCLUDE_DIR ${CMAKE_INSTALL_DATADIR}/halyard/cluster/include)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/HalyardConfig.cmake.in
    ${CMAKE_BINARY_DIR}/HalyardConfig.cmake
    INSTALL_DESTINATION ${HALYARD_INSTALL_CMAKE_DIR}
    PATH_VARS HALYARD_INSTALL_TARGETS_DIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/HalyardConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/HalyardConfig.cmake ${CMAKE_BINARY_DIR}/HalyardConfigVersion.cmake
    ${CMAKE_CURRENT_LIST_DIR}/HalyardLibrary.cmake ${CMAKE_CURRENT_LIST_DIR}/HalyardArchive.cmake
    DESTINATION ${HALYARD_INSTALL_CMAKE_DIR})

# The cluster runtime's headers, the target parameters rendered for C and the
# micro-kernels: what generated cluster code includes.
if(HALYARD_CLUSTER_INCLUDE_DIRS)
    set(HALYARD_INSTALL_CLUSTER_INCLUDE_DIR ${CMAKE_INSTALL_DATADIR}/halyard/cluster/include)
    foreach(dir IN LISTS HALYARD_CLUSTER_INCLUDE_DIRS)
        install(DIRECTORY ${dir}/ DESTINATION ${HALYARD_INSTALL_CLUSTER_INCLUDE_DIR} FILES_MATCHING PATTERN "*.h")
    endforeach()
endif()
